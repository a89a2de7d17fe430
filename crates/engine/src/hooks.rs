//! `[hooks] post_write`: the user's commands (formatters, linters) run on a new revision
//! between writing it and sealing it, so that the seal covers what they made of it.

use crate::error::{Error, Result};
use schemactl_config::Project;
use schemactl_revision::Revision;
use std::path::Path;
use std::process::{Command, Stdio};

/// Variables that carry database addresses or passwords whatever the project says. A hook
/// formats or lints a file; it gets no address unless its command names one.
const SECRET_VARIABLES: &[&str] = &["DATABASE_URL", "PGPASSWORD", "SCHEMACTL_DEV_URL"];

/// One hook that ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookRun {
    /// The command as run by `sh -c` (`{file}` replaced).
    pub command: String,
    /// How it ended: `exit 0`, `exit 1`, `killed by signal 9`.
    pub status: String,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// `path` as one shell word: single quotes, each `'` closed, escaped and reopened.
pub fn shell_quote(path: &Path) -> Result<String> {
    let text = path
        .to_str()
        .ok_or_else(|| Error::Usage(format!("{}: a hook cannot be given a path that is not UTF-8", path.display())))?;
    Ok(format!("'{}'", text.replace('\'', "'\\''")))
}

/// Runs the project's `post_write` hooks on `file`, in order, each through `sh -c` in the
/// project's directory with stdin closed; `on_run` hears each one as it ends. The first that
/// fails (or cannot start) stops the rest and is the error.
pub fn post_write(project: &Project, file: &Path, on_run: &mut dyn FnMut(&HookRun)) -> Result<()> {
    if project.hooks.post_write.is_empty() {
        return Ok(());
    }
    let absolute = std::path::absolute(file).map_err(|source| Error::Io { path: file.to_path_buf(), source })?;
    let quoted = shell_quote(&absolute)?;
    let hidden = hidden_variables(project);
    for written in &project.hooks.post_write {
        let command = written.replace("{file}", &quoted);
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&command).current_dir(&project.root).stdin(Stdio::null());
        for var in &hidden {
            cmd.env_remove(var);
        }
        let output = cmd.output().map_err(|e| Error::Hook {
            path: file.to_path_buf(),
            message: format!("post-write hook `{command}` could not start: {e}"),
        })?;
        let run = HookRun {
            command: command.clone(),
            status: describe(&output.status),
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        on_run(&run);
        if !run.success {
            return Err(Error::Hook {
                path: file.to_path_buf(),
                message: format!("post-write hook `{command}` failed ({})", run.status),
            });
        }
    }
    Ok(())
}

/// The secret-carrying variables plus those the project's environments read addresses from:
/// what a child process schemactl starts (a hook, a fleet's targets command) does not inherit.
pub fn hidden_variables(project: &Project) -> Vec<String> {
    let mut vars: Vec<String> = SECRET_VARIABLES.iter().map(|v| v.to_string()).collect();
    for env in project.environments.values() {
        vars.extend(env.url_env.iter().chain(&env.direct_url_env).cloned());
    }
    vars.sort();
    vars.dedup();
    vars
}

fn describe(status: &std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    "no exit status".into()
}

/// The revision as the file at `path` now holds it: `written` when nothing rewrote it, else
/// the file read again, which must still be the same revision (id and parent) with up and
/// down sections that parse. What the seal will cover.
pub(crate) fn reread(dir: &Path, path: &Path, written: Revision) -> Result<Revision> {
    let unsealed = |message: String| Error::Hook { path: path.to_path_buf(), message };
    let text = std::fs::read_to_string(path)
        .map_err(|e| unsealed(format!("the revision cannot be read back after the post-write hooks: {e}")))?;
    if text == written.text {
        return Ok(written);
    }
    let rewritten = schemactl_revision::format::parse(&written.file_name, &text)
        .map_err(|e| unsealed(format!("a post-write hook left a file that is not a revision: {e}")))?;
    if rewritten.id != written.id || rewritten.parent != written.parent {
        return Err(unsealed(format!(
            "a post-write hook changed the revision's id or parent (from {} after {} to {} after {})",
            written.id,
            written.parent.as_deref().unwrap_or("base"),
            rewritten.id,
            rewritten.parent.as_deref().unwrap_or("base"),
        )));
    }
    for result in [rewritten.up_segments(dir), rewritten.down_segments(dir)] {
        result.map_err(|e| unsealed(format!("after the post-write hooks: {e}")))?;
    }
    Ok(rewritten)
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemactl_revision::format::{build, Draft};
    use schemactl_revision::RevisionKind;

    #[test]
    fn paths_are_one_shell_word() {
        assert_eq!(shell_quote(Path::new("/p/gen/1_a.sql")).unwrap(), "'/p/gen/1_a.sql'");
        assert_eq!(shell_quote(Path::new("/it's a $dir/`x`")).unwrap(), "'/it'\\''s a $dir/`x`'");
    }

    #[test]
    fn a_rewritten_revision_is_read_back_and_must_stay_the_same_revision() {
        let dir = std::env::temp_dir().join(format!("schemactl-hooks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let written = build(Draft {
            id: "20260101100000".into(),
            slug: "t".into(),
            parent: Some("20260101090000".into()),
            message: "t".into(),
            kind: RevisionKind::Planned,
            before: "x".into(),
            after: "y".into(),
            hazards: Vec::new(),
            expects: Vec::new(),
            up: "CREATE TABLE t (id int);".into(),
            down: "DROP TABLE t;".into(),
        });
        let path = dir.join(&written.file_name);
        std::fs::write(&path, &written.text).unwrap();
        assert_eq!(reread(&dir, &path, written.clone()).unwrap(), written);

        std::fs::write(&path, written.text.replace("CREATE TABLE t", "create table t")).unwrap();
        let formatted = reread(&dir, &path, written.clone()).unwrap();
        assert!(formatted.up.contains("create table t") && formatted.checksum != written.checksum);

        let cases = [
            (written.text.replace("20260101090000", "20260101080000"), "changed the revision's id or parent"),
            (written.text.replace("DROP TABLE t;", "DROP TABLE t("), "after the post-write hooks"),
            (String::new(), "not a revision"),
        ];
        for (text, wanted) in cases {
            std::fs::write(&path, text).unwrap();
            let err = reread(&dir, &path, written.clone()).unwrap_err().to_string();
            assert!(err.contains(wanted) && err.contains("is written but not sealed"), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
