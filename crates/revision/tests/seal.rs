//! The seal detects every kind of tampering with the revisions directory, and names the file.

use schemactl_revision::format::{build, Draft};
use schemactl_revision::{load_dir, seal, Error, Problem, Revision, RevisionKind};
use std::path::Path;

fn revision(id: &str, parent: Option<&str>, up: &str) -> Revision {
    build(Draft {
        id: id.into(),
        slug: format!("r{id}"),
        parent: parent.map(Into::into),
        message: format!("revision {id}"),
        kind: RevisionKind::Manual,
        before: "x".into(),
        after: "x".into(),
        hazards: vec![],
        expects: Vec::new(),
        up: up.into(),
        down: String::new(),
    })
}

fn project(dir: &Path) -> Vec<Revision> {
    let revs = vec![
        revision("20260101000000", None, "CREATE TABLE a (id int);"),
        revision("20260102000000", Some("20260101000000"), "CREATE TABLE b (id int);"),
        revision("20260103000000", Some("20260102000000"), "CREATE TABLE c (id int);"),
    ];
    for r in &revs {
        std::fs::write(dir.join(&r.file_name), &r.text).unwrap();
    }
    seal::write(dir, &revs, Some("CREATE TABLE a (id int);\n")).unwrap();
    revs
}

fn problems(dir: &Path) -> Vec<Problem> {
    match load_dir(dir) {
        Err(Error::Integrity { problems }) => problems,
        other => panic!("expected an integrity error, got {other:?}"),
    }
}

#[test]
fn an_intact_directory_loads_with_its_state_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let revs = project(tmp.path());
    let loaded = load_dir(tmp.path()).unwrap();
    assert_eq!(loaded.list, revs);
    assert_eq!(loaded.state_cache().as_deref(), Some("CREATE TABLE a (id int);\n"));
    std::fs::write(tmp.path().join("state.sql"), "edited").unwrap();
    assert_eq!(load_dir(tmp.path()).unwrap().state_cache(), None, "an edited cache is not used");
}

#[test]
fn an_edited_revision_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let revs = project(tmp.path());
    let path = tmp.path().join(&revs[1].file_name);
    std::fs::write(&path, revs[1].text.replace("TABLE b", "TABLE bb")).unwrap();
    assert_eq!(problems(tmp.path()), [Problem::Edited { file: revs[1].file_name.clone() }]);
}

#[test]
fn a_deleted_revision_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let revs = project(tmp.path());
    std::fs::remove_file(tmp.path().join(&revs[2].file_name)).unwrap();
    assert_eq!(problems(tmp.path()), [Problem::Deleted { file: revs[2].file_name.clone() }]);
}

fn forked(dir: &Path) -> (Vec<schemactl_revision::Fork>, Vec<Problem>) {
    match load_dir(dir) {
        Err(Error::Forked { forks, problems }) => (forks, problems),
        other => panic!("expected a fork, got {other:?}"),
    }
}

#[test]
fn an_inserted_revision_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let revs = project(tmp.path());
    let inserted = revision("20260101120000", Some("20260101000000"), "SELECT 1;");
    std::fs::write(tmp.path().join(&inserted.file_name), &inserted.text).unwrap();
    let (forks, found) = forked(tmp.path());
    assert_eq!(forks.len(), 1);
    assert_eq!(forks[0].children, [inserted.file_name.clone(), revs[1].file_name.clone()]);
    assert!(
        found.contains(&Problem::Inserted { file: inserted.file_name.clone(), before: revs[1].file_name.clone() }),
        "{found:?}"
    );
}

#[test]
fn a_new_unsealed_file_and_a_hand_edited_seal_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let revs = project(tmp.path());
    let extra = revision("20260104000000", Some("20260103000000"), "SELECT 1;");
    std::fs::write(tmp.path().join(&extra.file_name), &extra.text).unwrap();
    assert_eq!(problems(tmp.path()), [Problem::Unsealed { file: extra.file_name.clone() }]);
    std::fs::remove_file(tmp.path().join(&extra.file_name)).unwrap();

    let sum = tmp.path().join("schemactl.sum");
    let text = std::fs::read_to_string(&sum).unwrap();
    // A checksum changed by hand no longer vouches for its file.
    let edited = text.replacen(&revs[1].checksum, &"0".repeat(64), 1);
    std::fs::write(&sum, &edited).unwrap();
    assert_eq!(problems(tmp.path()), [Problem::Edited { file: revs[1].file_name.clone() }]);
    std::fs::write(&sum, format!("{text}not a seal line\n")).unwrap();
    assert!(matches!(problems(tmp.path()).as_slice(), [Problem::SumCorrupt { .. }]));
    // Both branches resealed the same file differently: git's union keeps both lines.
    std::fs::write(&sum, format!("{text}{} {}\n", revs[1].file_name, "1".repeat(64))).unwrap();
    assert!(
        matches!(problems(tmp.path()).as_slice(), [Problem::SumCorrupt { reason }] if reason.contains("sealed twice"))
    );
}

#[test]
fn a_parent_that_is_no_revision_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let mut revs = project(tmp.path());
    revs[2] = revision("20260103000000", Some("20251231000000"), "CREATE TABLE c (id int);");
    std::fs::write(tmp.path().join(&revs[2].file_name), &revs[2].text).unwrap();
    seal::write(tmp.path(), &revs, None).unwrap();
    let found = problems(tmp.path());
    assert!(
        matches!(found.as_slice(), [Problem::BrokenParent { file, .. }] if *file == revs[2].file_name),
        "{found:?}"
    );
}

#[test]
fn two_branches_merged_by_git_load_as_a_fork_with_a_stale_state_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let revs = project(tmp.path());
    let sum = tmp.path().join("schemactl.sum");
    let main_seal = std::fs::read_to_string(&sum).unwrap();
    let main_state = std::fs::read_to_string(tmp.path().join("state.sql")).unwrap();
    // The other branch planned its own revision after the same parent, and sealed it.
    let branch = revision("20260103120000", Some("20260102000000"), "CREATE TABLE d (id int);");
    std::fs::write(tmp.path().join(&branch.file_name), &branch.text).unwrap();
    let mut theirs = revs[..2].to_vec();
    theirs.push(branch.clone());
    seal::write(tmp.path(), &theirs, Some("CREATE TABLE d (id int);\n")).unwrap();
    let their_seal = std::fs::read_to_string(&sum).unwrap();
    let their_state = std::fs::read_to_string(tmp.path().join("state.sql")).unwrap();
    // What `merge=union` leaves: the lines of both sides.
    std::fs::write(&sum, format!("{main_seal}{their_seal}")).unwrap();
    std::fs::write(tmp.path().join("state.sql"), format!("{main_state}{their_state}")).unwrap();
    let (forks, problems) = forked(tmp.path());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(forks[0].children, [revs[2].file_name.clone(), branch.file_name.clone()]);
    assert_eq!(seal::state_cache(tmp.path(), Some(&branch.id)), None, "a unioned cache is stale");
    assert!(seal::GITATTRIBUTES.contains("schemactl.sum merge=union"));
}

#[test]
fn a_seal_written_by_an_earlier_version_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let revs = project(tmp.path());
    // Chained checksums and a state line, as schemactl wrote them before.
    let mut old = String::from("# schemactl.sum: chained checksums of the revisions in this directory.\n");
    for (i, r) in revs.iter().enumerate() {
        old.push_str(&format!("{} {} {}\n", r.file_name, r.checksum, format!("{i}").repeat(64)));
    }
    old.push_str(&format!("state {} {}\n", "a".repeat(64), revs[2].id));
    std::fs::write(tmp.path().join("schemactl.sum"), old).unwrap();
    std::fs::write(tmp.path().join("state.sql"), "-- The schema after revision x\nCREATE TABLE a (id int);\n").unwrap();
    let loaded = load_dir(tmp.path()).unwrap();
    assert_eq!(loaded.list, revs);
    assert_eq!(loaded.state_cache(), None, "the old cache is rebuilt once");
}
