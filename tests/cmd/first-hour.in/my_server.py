print("a server script")
