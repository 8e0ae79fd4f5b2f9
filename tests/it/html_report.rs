//! `framelab run --html FILE`: one self-contained file, well-formed
//! (XHTML), one timeline per scenario whose blocks add up to the bytes
//! written and read, and untrusted text escaped. The browser check
//! (headless Chromium renders the report to a PNG that is not blank) is
//! in `browser_renders_*` below.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use quick_xml::events::Event;

fn framelab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_framelab"))
}

/// One `<svg>` of the report: its attributes and the blocks inside.
#[derive(Debug, Default)]
struct Svg {
    attrs: HashMap<String, String>,
    /// Sum of `data-bytes` of `<rect>`s whose class has `write`.
    write_bytes: u64,
    /// Sum of `data-bytes` of `<rect>`s whose class has `read`.
    read_bytes: u64,
    writes: usize,
}

/// What a parse of the report found.
#[derive(Debug, Default)]
struct Parsed {
    svgs: Vec<Svg>,
    sections: usize,
    /// Text of every `<h2>`, entities resolved.
    headings: Vec<String>,
    /// Every element name seen.
    elements: Vec<String>,
}

/// Parses `html` as XML, failing on anything not well-formed: mismatched
/// or unclosed tags, unknown entities, characters XML forbids.
fn parse(html: &str) -> Parsed {
    if let Some(c) = html.chars().find(|c| (*c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')) {
        panic!("a character XML forbids: {:?}", c);
    }
    let mut reader = quick_xml::Reader::from_str(html);
    reader.config_mut().check_end_names = true;
    let mut out = Parsed::default();
    let mut stack: Vec<String> = Vec::new();
    let mut heading: Option<String> = None;
    let attrs = |e: &quick_xml::events::BytesStart<'_>| -> HashMap<String, String> {
        e.attributes()
            .map(|a| {
                let a = a.expect("a well-formed attribute");
                let k = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                let v = a.normalized_value(quick_xml::XmlVersion::default());
                (k, v.expect("a known entity in an attribute").into_owned())
            })
            .collect()
    };
    loop {
        let ev = reader.read_event().unwrap_or_else(|e| panic!("not well-formed at {}: {e}", reader.buffer_position()));
        match ev {
            Event::Eof => break,
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let a = attrs(&e);
                element(&mut out, &name, &a);
                if name == "h2" {
                    heading = Some(String::new());
                }
                stack.push(name);
            }
            Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let a = attrs(&e);
                element(&mut out, &name, &a);
            }
            Event::End(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "mismatched end tag");
                if name == "h2" {
                    out.headings.push(heading.take().unwrap_or_default());
                }
            }
            Event::Text(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8(r.to_vec()).unwrap();
                let c = match name.as_str() {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    "apos" => '\'',
                    other => match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        _ => panic!("an entity XML does not define: &{other};"),
                    },
                };
                if let Some(h) = heading.as_mut() {
                    h.push(c);
                }
            }
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements at the end: {stack:?}");
    out
}

fn element(out: &mut Parsed, name: &str, a: &HashMap<String, String>) {
    out.elements.push(name.to_owned());
    match name {
        "svg" => out.svgs.push(Svg { attrs: a.clone(), ..Svg::default() }),
        "section" => out.sections += 1,
        "rect" => {
            let Some(svg) = out.svgs.last_mut() else { return };
            let classes: Vec<&str> = a.get("class").map(|c| c.split(' ').collect()).unwrap_or_default();
            let bytes: u64 = a.get("data-bytes").map_or(0, |b| b.parse().expect("data-bytes is a number"));
            if classes.contains(&"write") {
                svg.write_bytes += bytes;
                svg.writes += 1;
            }
            if classes.contains(&"read") {
                svg.read_bytes += bytes;
            }
        }
        _ => {}
    }
}

fn run_in(dir: &Path, args: &[&str]) -> (std::process::Output, String) {
    let out = framelab().current_dir(dir).args(args).output().expect("framelab runs");
    let html = std::fs::read_to_string(dir.join("report.html")).expect("the report was written");
    (out, html)
}

#[test]
fn built_in_suite_report_has_one_timeline_per_scenario_whose_blocks_add_up() {
    // An empty folder: `run` with no path takes the built-in suite.
    let dir = tempfile::tempdir().unwrap();
    let (out, html) = run_in(dir.path(), &["run", "--html", "report.html", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the JSON report");
    let scenarios = json["scenarios"].as_array().unwrap();
    assert!(scenarios.len() > 30, "the built-in suite has its scenarios");
    assert!(html.len() < 5_000_000, "the report is {} bytes", html.len());

    let parsed = parse(&html);
    assert_eq!(parsed.sections, scenarios.len());
    assert_eq!(parsed.svgs.len(), scenarios.len(), "one <svg> per scenario");
    assert!(!parsed.elements.iter().any(|e| e == "script"), "no script in the report");
    let mut drawn_writes = 0;
    for (s, svg) in scenarios.iter().zip(&parsed.svgs) {
        let name = s["name"].as_str().unwrap();
        let wire = &s["wire"];
        let written = wire["bytes_written"].as_u64().unwrap();
        assert_eq!(svg.write_bytes, written, "{name}: write blocks add up to the bytes written");
        assert_eq!(svg.attrs.get("data-bytes-written"), Some(&written.to_string()), "{name}");
        if let Some(read) = wire["bytes_read"].as_u64() {
            assert_eq!(svg.read_bytes, read, "{name}: read blocks add up to the bytes the server read");
            // The server's reads as recorded agree with its own counter.
            let listed: u64 = wire["reads"].as_array().unwrap().iter().map(|c| c["len"].as_u64().unwrap()).sum();
            if wire["reads_dropped"].as_u64() == Some(0) {
                assert_eq!(listed, read, "{name}");
            }
        }
        drawn_writes += svg.writes;
    }
    assert!(drawn_writes >= scenarios.len(), "write blocks were drawn");
    // The intact b01 scenario wrote its two frames: 2 x (4 + 5) bytes.
    let (i, _) = scenarios
        .iter()
        .enumerate()
        .find(|(_, s)| s["file"].as_str().unwrap().contains("b01-length-prefix-intact"))
        .unwrap();
    assert_eq!(parsed.svgs[i].write_bytes, 18);
    assert_eq!(parsed.svgs[i].read_bytes, 18);
}

#[test]
fn scenario_names_and_peer_bytes_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let toml = r#"
name = "evil <script>alert(1)</script> & \"quoted\" \u0001"
[server]
strategy = "naive"
variant = "tutorial"
[client]
messages = ["<b>hi</b>", "</svg><script>alert(2)</script>&amp;"]
schedule = "coalesce"
[expect]
verdict = "coalesced"
"#;
    std::fs::write(dir.path().join("evil.toml"), toml).unwrap();
    let (out, html) = run_in(dir.path(), &["run", "evil.toml", "--html", "report.html"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!html.contains("<script"), "a <script> tag came through");
    assert!(html.contains("&lt;/svg&gt;&lt;script&gt;"), "the peer's bytes are shown, escaped");
    assert!(html.contains("&lt;script&gt;alert(1)"), "the name is shown, escaped");
    let parsed = parse(&html);
    assert_eq!(parsed.svgs.len(), 1);
    assert!(!parsed.elements.iter().any(|e| e == "script" || e == "b"));
    assert!(
        parsed.headings[0].contains("evil <script>alert(1)</script> & \"quoted\" \\x01"),
        "heading: {:?}",
        parsed.headings[0]
    );
}

/// Chromium's binary, if installed.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
    })
}

/// Whether a test that needs Chromium goes on: in CI (`CI=true`) a missing
/// Chromium fails; elsewhere the test is skipped with a reason.
fn need_chromium() -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true and chromium is not installed (.ci/run installs it with apt-get)")
        }
        None => {
            eprintln!("skipped: chromium is not installed (apt-get install chromium)");
            None
        }
    }
}

/// Renders `html` with headless Chromium to `png` (the whole run bounded
/// by `timeout`, killed past it).
fn render(chrome: &Path, html: &Path, png: &Path, timeout: std::time::Duration) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1200,900")
        .arg(format!("file://{}", html.canonicalize().unwrap().display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let deadline = std::time::Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not render {} within {timeout:?}", html.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "chromium failed: {status}");
}

/// Distinct colours in a PNG (8-bit RGB or RGBA, not interlaced), by
/// decoding its IDAT stream with python3's zlib: more than a handful
/// means the page is not blank.
fn distinct_colours(png: &Path) -> usize {
    let script = r#"
import sys, zlib, struct
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
i, idat, w, h, ct = 8, b'', 0, 0, 0
while i < len(d):
    n, = struct.unpack('>I', d[i:i+4]); t = d[i+4:i+8]; c = d[i+8:i+8+n]
    if t == b'IHDR':
        w, h, bd, ct, _, _, il = struct.unpack('>IIBBBBB', c)
        assert bd == 8 and ct in (2, 6) and il == 0, (bd, ct, il)
    elif t == b'IDAT':
        idat += c
    i += 12 + n
raw = zlib.decompress(idat)
bpp = 3 if ct == 2 else 4
stride = w * bpp
prev = bytearray(stride)
colours = set()
pos = 0
for y in range(h):
    f = raw[pos]; line = bytearray(raw[pos+1:pos+1+stride]); pos += 1 + stride
    for x in range(stride):
        a = line[x-bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x-bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, stride, bpp * 2):
            colours.add(bytes(line[x:x+3]))
    prev = line
print(len(colours))
"#;
    let out = Command::new("python3").arg("-c").arg(script).arg(png).output().expect("python3 runs");
    assert!(out.status.success(), "decoding {}: {}", png.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn render_scenario(file: &str, png_name: &str) {
    let Some(chrome) = need_chromium() else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = framelab()
        .current_dir(root)
        .args(["run", file, "--html"])
        .arg(dir.path().join("report.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let png = dir.path().join(png_name);
    render(&chrome, &dir.path().join("report.html"), &png, std::time::Duration::from_secs(120));
    let colours = distinct_colours(&png);
    assert!(colours > 8, "{png_name}: the page looks blank ({colours} colours)");
    // FRAMELAB_SCREENSHOTS=DIR keeps the PNGs (docs/ holds the committed ones).
    if let Some(keep) = std::env::var_os("FRAMELAB_SCREENSHOTS") {
        std::fs::copy(&png, Path::new(&keep).join(png_name)).unwrap();
    }
}

#[test]
fn browser_renders_the_b01_coalesced_report() {
    render_scenario("scenarios/b01-naive-coalesced.toml", "report-b01-coalesced.png");
}

#[test]
fn browser_renders_the_b01_intact_report() {
    render_scenario("scenarios/b01-length-prefix-intact.toml", "report-b01-intact.png");
}

#[test]
fn browser_renders_the_1000_message_stress_report_under_5_mb() {
    let Some(chrome) = need_chromium() else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let out = framelab()
        .current_dir(root)
        .args(["run", "scenarios/stress-length-prefix-random.toml", "--html"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.len() < 5_000_000, "the stress report is {} bytes", html.len());
    let parsed = parse(&html);
    assert_eq!(parsed.svgs.len(), 1);
    assert!(parsed.svgs[0].write_bytes > 1_000_000, "the stress scenario's megabytes are drawn");
    let png = dir.path().join("stress.png");
    render(&chrome, &report, &png, std::time::Duration::from_secs(120));
    assert!(distinct_colours(&png) > 8, "the stress report looks blank");
}

#[test]
fn explore_report_draws_the_found_case_before_and_after_shrinking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let out = framelab()
        .current_dir(root)
        .args(["explore", "examples/explore/naive-tutorial.toml", "--seed", "1", "--html"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a failure is found; stderr: {}", String::from_utf8_lossy(&out.stderr));
    let parsed = parse(&std::fs::read_to_string(&report).unwrap());
    assert_eq!(parsed.svgs.len(), 2);
    assert!(parsed.headings[0].contains("before shrinking"), "{:?}", parsed.headings);
    assert!(parsed.headings[1].contains("after shrinking"), "{:?}", parsed.headings);
    // Shrinking never makes the case bigger.
    assert!(parsed.svgs[1].write_bytes <= parsed.svgs[0].write_bytes);
    assert!(parsed.svgs[1].write_bytes > 0);
}

/// Issue 31: `--html` says what it wrote, and the page opens with a
/// summary table (status, verdict, expected, a link to the card),
/// failures first, before any card; the cards follow in the same order.
#[test]
fn the_report_opens_with_a_summary_failures_first_and_the_run_says_it_wrote_it() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[server]\nstrategy = \"naive\"\nvariant = \"tutorial\"\n\n[client]\nmessages = [\"hello\", \"world\"]\n\
                schedule = \"coalesce\"\n\n[expect]\n";
    std::fs::create_dir(dir.path().join("s")).unwrap();
    std::fs::write(dir.path().join("s/a-pass.toml"), format!("name = \"passes\"\n{body}verdict = \"coalesced\"\n"))
        .unwrap();
    std::fs::write(dir.path().join("s/b-fail.toml"), format!("name = \"fails\"\n{body}verdict = \"intact\"\n"))
        .unwrap();
    let (out, html) = run_in(dir.path(), &["run", "s", "--html", "report.html"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("wrote report.html (2 scenarios, 1 failed)"), "{stdout}");
    let table = html.find("<table class=\"overview\"").expect("a summary table");
    let first_card = html.find("<section").unwrap();
    assert!(table < first_card, "the summary comes before the cards");
    let summary = &html[table..first_card];
    // The failing scenario ran second (file order) and is listed first.
    let (fail, pass) = (summary.find("#scenario-2").unwrap(), summary.find("#scenario-1").unwrap());
    assert!(fail < pass, "{summary}");
    assert!(summary.contains("FAIL") && summary.contains("coalesced") && summary.contains("intact"), "{summary}");
    assert!(html[first_card..].starts_with("<section id=\"scenario-2\""), "the failing card first");
    parse(&html);
}
