//! A throwaway schemactl project for end-to-end tests: revision files written with the
//! revision crate (and sealed), and the real binary run inside it.
#![allow(dead_code)]

use schemactl_revision::format::{build, Draft};
use schemactl_revision::{seal, Revision, RevisionKind};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use crate::common::schemactl_bin;

pub struct Project {
    dir: tempfile::TempDir,
    pub revisions: Vec<Revision>,
}

impl Project {
    pub fn new() -> Project {
        let dir = tempfile::tempdir().expect("project dir");
        std::fs::write(dir.path().join("schemactl.toml"), "revisions = \"generated\"\n").expect("schemactl.toml");
        std::fs::create_dir(dir.path().join("generated")).expect("generated/");
        Project { dir, revisions: Vec::new() }
    }

    pub fn generated(&self) -> PathBuf {
        self.dir.path().join("generated")
    }

    /// Adds a planned revision after the last one, sealed. Ids are one minute apart.
    pub fn add(&mut self, message: &str, up: &str, down: &str) -> Revision {
        self.add_kind(RevisionKind::Planned, message, up, down)
    }

    pub fn add_kind(&mut self, kind: RevisionKind, message: &str, up: &str, down: &str) -> Revision {
        let id = format!("20260101{:02}{:02}00", 10 + self.revisions.len() / 60, self.revisions.len() % 60);
        let revision = self.write(&id, self.revisions.last().map(|r| r.id.clone()), kind, message, up, down);
        self.revisions.push(revision.clone());
        self.reseal();
        revision
    }

    /// Writes a revision file (not sealed, not added to `revisions`).
    pub fn write(
        &self,
        id: &str,
        parent: Option<String>,
        kind: RevisionKind,
        message: &str,
        up: &str,
        down: &str,
    ) -> Revision {
        let revision = build(Draft {
            id: id.into(),
            slug: schemactl_revision::slug(message),
            parent,
            message: message.into(),
            kind,
            before: "unknown".into(),
            after: "unknown".into(),
            hazards: Vec::new(),
            expects: Vec::new(),
            up: up.into(),
            down: down.into(),
        });
        std::fs::write(self.generated().join(&revision.file_name), &revision.text).expect("write revision");
        revision
    }

    /// Seals whatever revision files are in generated/ now (a deliberate edit, as `reseal` does).
    pub fn reseal(&self) {
        let files = schemactl_revision::read_files(&self.generated()).expect("read revisions");
        seal::write(&self.generated(), &files, None).expect("seal");
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(schemactl_bin());
        cmd.args(args).current_dir(self.dir.path()).env_remove("DATABASE_URL");
        cmd
    }

    /// Runs schemactl in the project and waits for it.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run schemactl")
    }

    /// Starts schemactl in the project (output captured).
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start schemactl")
    }
}

/// The file name without `.sql`, as apply prints it.
pub fn stem(revision: &Revision) -> &str {
    revision.file_name.trim_end_matches(".sql")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Panics with both streams unless the command exited 0.
pub fn ok(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}\n--- stdout\n{}--- stderr\n{}", o.status.code(), stdout(o), stderr(o));
    stdout(o)
}
