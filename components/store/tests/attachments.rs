//! The attachment store against styrened 0.18.0's own behaviour:
//! `_sanitize_filename` on every recorded name, and every recorded scenario
//! (tests/vectors/generate_attachments.py) replayed in a fresh directory, step
//! by step, ending with the same tree inside the base and nothing changed outside.

use serde_json::{Value, json};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};
use styrene_store::attachments::{AttachmentError, AttachmentStore, sanitize_filename};
use styrene_vectors::attachments_vectors;

fn section(name: &str) -> &'static [Value] {
    attachments_vectors()[name].as_array().unwrap_or_else(|| panic!("no section {name}"))
}

#[test]
fn sanitize_filename_matches_styrened() {
    let cases = section("sanitize");
    assert!(cases.len() > 400);
    for case in cases {
        let input = case["input"].as_str().unwrap();
        assert_eq!(sanitize_filename(input), case["output"].as_str().unwrap(), "{input:?}");
    }
}

/// A scenario's directory: `<tmp>/attachments` is the base, `<tmp>/outside` holds a secret.
struct Scene {
    tmp: PathBuf,
    base: PathBuf,
}

impl Scene {
    fn new(index: usize) -> Scene {
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("attachments-{}-{index}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(tmp.join("outside")).unwrap();
        fs::write(tmp.join("outside/secret.txt"), b"secret data").unwrap();
        let tmp = fs::canonicalize(tmp).unwrap();
        Scene { base: tmp.join("attachments"), tmp }
    }

    fn expand(&self, text: &str) -> PathBuf {
        let base = self.base.to_str().unwrap();
        PathBuf::from(text.replace("<base>", base).replace("<tmp>", self.tmp.to_str().unwrap()))
    }

    fn anonymise(&self, text: &str) -> String {
        text.replace(self.base.to_str().unwrap(), "<base>").replace(self.tmp.to_str().unwrap(), "<tmp>")
    }

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.base).unwrap_or(path).to_str().unwrap().to_owned()
    }

    fn tree(&self, root: &Path) -> Vec<Value> {
        let mut entries = Vec::new();
        let mut pending = vec![root.to_owned()];
        while let Some(dir) = pending.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let rel = path.strip_prefix(root).unwrap().to_str().unwrap().to_owned();
                let kind = fs::symlink_metadata(&path).unwrap().file_type();
                if kind.is_symlink() {
                    let target = fs::read_link(&path).unwrap();
                    entries.push(json!([rel, "link", self.anonymise(target.to_str().unwrap())]));
                } else if kind.is_dir() {
                    entries.push(json!([rel, "dir"]));
                    pending.push(path);
                } else {
                    entries.push(json!([rel, "file", hex(&fs::read(&path).unwrap())]));
                }
            }
        }
        entries.sort_by_key(|e| e[0].as_str().unwrap().to_owned());
        entries
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn data_of(spec: &Value) -> Vec<u8> {
    let unhex =
        |s: &str| (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect();
    match spec {
        Value::String(s) => unhex(s),
        fill => unhex(fill["fill"].as_str().unwrap()).repeat(fill["len"].as_u64().unwrap() as usize),
    }
}

/// styrened's exception class for an error here.
fn python_class(e: &AttachmentError) -> &'static str {
    match e {
        AttachmentError::TooLarge { .. } | AttachmentError::Escapes(_) => "ValueError",
        AttachmentError::Io { kind, .. } => match kind {
            ErrorKind::NotFound => "FileNotFoundError",
            ErrorKind::IsADirectory => "IsADirectoryError",
            ErrorKind::NotADirectory => "NotADirectoryError",
            ErrorKind::AlreadyExists => "FileExistsError",
            ErrorKind::PermissionDenied => "PermissionError",
            _ => "OSError",
        },
    }
}

/// One step: `None` for a change made beside the store, else its outcome as
/// the generator records it.
fn run(scene: &Scene, store: &AttachmentStore, step: &[Value]) -> Option<Result<Value, AttachmentError>> {
    let s = |i: usize| step[i].as_str().unwrap();
    let in_base = |i: usize| scene.base.join(s(i));
    match s(0) {
        "mkdir" => fs::create_dir_all(in_base(1)).unwrap(),
        "write" => fs::write(in_base(1), data_of(&step[2])).unwrap(),
        "symlink" => std::os::unix::fs::symlink(scene.expand(s(2)), in_base(1)).unwrap(),
        "utime" => {
            let when = UNIX_EPOCH + Duration::from_secs(step[2].as_u64().unwrap());
            fs::File::options().write(true).open(in_base(1)).unwrap().set_modified(when).unwrap();
        }
        op => {
            let id = |i: usize| step[i].as_i64().unwrap();
            return Some(match op {
                "save" => {
                    store.save(s(1), id(2), s(3), &data_of(&step[4])).map(|p| json!(scene.relative(&p)))
                }
                "load" => store.load(&scene.expand(s(1))).map(|d| json!(hex(&d))),
                "delete" => store.delete(&scene.expand(s(1))).map(|d| json!(d)),
                "rename_for_message" => store
                    .rename_for_message(&scene.expand(s(1)), id(2))
                    .map(|p| p.map_or(Value::Null, |p| json!(scene.relative(&p)))),
                "delete_for_peer" => store.delete_for_peer(s(1)).map(|n| json!(n)),
                "get_usage" => Ok(json!(store.get_usage())),
                "enforce_budget" => store.enforce_budget().map(|n| json!(n)),
                other => panic!("unknown step {other}"),
            });
        }
    }
    None
}

#[test]
fn scenarios_match_styrened() {
    for (index, scenario) in section("scenarios").iter().enumerate() {
        let name = scenario["name"].as_str().unwrap();
        let scene = Scene::new(index);
        let max = scenario["max_file_size"].as_u64().unwrap();
        let budget = scenario["storage_budget"].as_u64().unwrap();
        let store = AttachmentStore::open(&scene.base, max, budget).unwrap();
        for recorded in scenario["steps"].as_array().unwrap() {
            let step = recorded["step"].as_array().unwrap();
            let Some(outcome) = run(&scene, &store, step) else { continue };
            match (outcome, recorded.get("ok")) {
                (Ok(got), Some(want)) => assert_eq!(&got, want, "{name}: {step:?}"),
                (Err(e), None) => {
                    let class = recorded["error"].as_str().unwrap();
                    assert_eq!(python_class(&e), class, "{name}: {step:?}: {e}");
                    if class == "ValueError" {
                        assert_eq!(scene.anonymise(&e.to_string()), recorded["message"].as_str().unwrap());
                    }
                }
                (got, _) => panic!("{name}: {step:?}: got {got:?}, styrened: {recorded}"),
            }
        }
        assert_eq!(scene.tree(&scene.base), scenario["tree"].as_array().unwrap().clone(), "{name}");
        assert_eq!(scene.tree(&scene.tmp.join("outside")), scenario["outside"].as_array().unwrap().clone());
        fs::remove_dir_all(&scene.tmp).unwrap();
    }
}
