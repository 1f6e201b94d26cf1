//! `udp-dict-server` and `udp-dict-client`.

use crate::kit::ch1::udp_dict::{self, Dictionary};
use anyhow::Context;
use std::io::{BufRead, Write};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};

/// The word list, built into the runner so that it works from any folder.
/// (A path relative to this file, not to `env!("CARGO_MANIFEST_DIR")`: the
/// runner then holds no path of the place it was built in.)
pub const WORDS_TSV: &str = include_str!("../../../data/words.tsv");

/// Where the server keeps its database unless told otherwise: `data/dict.sqlite`
/// in the kit's folder (`*.sqlite` is gitignored).
///
/// The kit is found at run time, around the runner itself
/// (`KIT/target/debug/netkit`) or else the current folder, so that a kit
/// copied or moved with its `target/` keeps its database in the copy; outside
/// any kit, `dict.sqlite` in the current folder.
pub fn default_db() -> PathBuf {
    let places = [std::env::current_exe().ok(), std::env::current_dir().ok()];
    places
        .iter()
        .flatten()
        .flat_map(|place| place.ancestors())
        .find(|dir| dir.join("kit.toml").is_file())
        .map(|kit| kit.join("data").join("dict.sqlite"))
        .unwrap_or_else(|| PathBuf::from("dict.sqlite"))
}

/// `udp-dict-server [--addr A] [--db PATH]`
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = super::seed_addr())]
    pub addr: SocketAddr,
    /// The SQLite dictionary; built from data/words.tsv when it does not exist.
    #[arg(long)]
    pub db: Option<PathBuf>,
}

/// `udp-dict-client --server A`
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// The dictionary server's address.
    #[arg(long)]
    pub server: SocketAddr,
}

pub fn server(args: ServerArgs) -> anyhow::Result<()> {
    let path = args.db.unwrap_or_else(default_db);
    let dict = open_or_create(&path)?;
    let words = dict
        .word_count()
        .with_context(|| format!("reading {}", path.display()))?;
    let socket = UdpSocket::bind(args.addr).with_context(|| format!("binding {}", args.addr))?;
    super::announce(socket.local_addr()?)?;
    eprintln!("dictionary {}: {words} words", path.display());
    udp_dict::serve(socket, dict).context("receiving a datagram failed")?;
    Ok(())
}

/// Opens the dictionary at `path`, first building it from [`WORDS_TSV`] if
/// there is no file yet. It is built under a temporary name and renamed, so a
/// failed build never leaves a half-made database behind.
fn open_or_create(path: &Path) -> anyhow::Result<Dictionary> {
    if !path.exists() {
        let folder = match path.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder,
            _ => Path::new("."),
        };
        let building = tempfile::NamedTempFile::new_in(folder)
            .with_context(|| format!("creating a database in {}", folder.display()))?;
        drop(Dictionary::create(building.path(), WORDS_TSV)?);
        building
            .persist(path)
            .with_context(|| format!("saving {}", path.display()))?;
    }
    Dictionary::open(path).with_context(|| format!("opening {}", path.display()))
}

pub fn client(args: ClientArgs) -> anyhow::Result<()> {
    // Port 0: the OS picks our port; the server replies to whatever it is.
    let any: SocketAddr = if args.server.is_ipv4() {
        "0.0.0.0:0".parse()?
    } else {
        "[::]:0".parse()?
    };
    let socket = UdpSocket::bind(any).context("binding a UDP socket")?;
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout();
    loop {
        write!(stdout, "Word: ")?;
        stdout.flush()?;
        let mut line = String::new();
        if stdin.read_line(&mut line)? == 0 {
            // End of input: finish the prompt's line and quit.
            writeln!(stdout)?;
            break;
        }
        let word = line.trim();
        if word.is_empty() {
            break;
        }
        match udp_dict::query(&socket, args.server, word, udp_dict::QUERY_TIMEOUT) {
            Ok(meaning) => writeln!(stdout, "{word} : {meaning}")?,
            // A lost datagram is no reason to quit: say so, and ask for the next word.
            Err(e) => eprintln!("{word}: {e}"),
        }
    }
    Ok(())
}
