//! One open file, two processes: they share its offset (the seed's warning
//! in the big-file split: 如果父进程打开子进程直接用则会公用一个文件偏移量).
//! Run it with `cargo xtask run shared-offset`.

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;

/// Reads 4 bytes from `file` and returns them as text.
fn read4(file: &mut File) -> io::Result<String> {
    let mut buf = [0u8; 4];
    file.read_exact(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Forks a child that runs `child` and exits; waits for it.
fn in_child(child: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
    let _ = io::stdout().flush();
    // SAFETY: a single-threaded program (see fork-demo).
    match unsafe { fork() }? {
        ForkResult::Child => {
            let code = if child().is_ok() { 0 } else { 1 };
            let _ = io::stdout().flush();
            // SAFETY: the child ends here; it must not run the parent's code.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            waitpid(child, None)?;
            Ok(())
        }
    }
}

fn main() -> io::Result<()> {
    let path = std::env::temp_dir().join(format!("shared-offset-{}.txt", std::process::id()));
    fs::write(&path, "0123456789")?;
    let result = demo(&path);
    fs::remove_file(&path)?;
    result
}

fn demo(path: &Path) -> io::Result<()> {
    println!("the file holds 0123456789");
    // ANCHOR: shared
    // Opened once, by the parent, before the fork: one open file, shared.
    let mut file = File::open(path)?;
    in_child(|| {
        println!("shared: the child reads  {}", read4(&mut file)?);
        Ok(())
    })?;
    // Not 0123: the child's read moved the offset the parent uses too.
    println!("shared: the parent reads {}", read4(&mut file)?);
    // ANCHOR_END: shared

    // ANCHOR: own
    // Each process opens the file itself: each has its own offset.
    in_child(|| {
        let mut own = File::open(path)?;
        println!("own:    the child reads  {}", read4(&mut own)?);
        Ok(())
    })?;
    let mut own = File::open(path)?;
    println!("own:    the parent reads {}", read4(&mut own)?);
    // ANCHOR_END: own
    Ok(())
}
