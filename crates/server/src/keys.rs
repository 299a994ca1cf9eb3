//! The key provider: master keys (KEK, versioned) and the index master secret.
//!
//! Embedded default: `keys.json` in the data directory, created on first start with mode
//! 0600. Or from the environment: `ORDERVEIL_MASTER_KEY` and `ORDERVEIL_INDEX_KEY`
//! (base64url of 32 bytes each; the master key is version 1). A KMS-backed provider would
//! implement the same methods; it is not built because no KMS runs here.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orderveil_cipher::{IndexKey, IndexMasterSecret, Kek, KekVersion, ShopId};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// Holds the master keys in memory.
pub struct KeyProvider {
    keks: BTreeMap<u32, Kek>,
    primary: u32,
    index_master: IndexMasterSecret,
}

impl std::fmt::Debug for KeyProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyProvider(versions {:?}, primary {}, [redacted])", self.keks.keys().collect::<Vec<_>>(), self.primary)
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    primary: u32,
    keks: BTreeMap<u32, String>,
    index_master: String,
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        self.index_master.zeroize();
        self.keks.values_mut().for_each(Zeroize::zeroize);
    }
}

fn decode32(s: &str) -> Result<[u8; 32], String> {
    let v = Zeroizing::new(URL_SAFE_NO_PAD.decode(s.trim()).map_err(|_| "key is not base64url".to_string())?);
    v.as_slice().try_into().map_err(|_| "key is not 32 bytes".to_string())
}

/// Where a process's keys come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `ORDERVEIL_MASTER_KEY` and `ORDERVEIL_INDEX_KEY` (the master key is version 1).
    Env,
    /// A key file (`--key-file`, else `keys.json` in the data directory).
    File(std::path::PathBuf),
}

impl KeySource {
    /// The environment if `ORDERVEIL_MASTER_KEY` is set, else `key_file`, else `keys.json` in
    /// `data_dir`.
    pub fn of(data_dir: &Path, key_file: Option<&Path>) -> Self {
        if std::env::var_os("ORDERVEIL_MASTER_KEY").is_some() {
            return Self::Env;
        }
        Self::File(key_file.map_or_else(|| data_dir.join("keys.json"), Path::to_path_buf))
    }
}

impl KeyProvider {
    /// From the environment if `ORDERVEIL_MASTER_KEY` is set, else from (or into) the key
    /// file in `data_dir`.
    pub fn load(data_dir: &Path) -> Result<Self, String> {
        Self::open(&KeySource::of(data_dir, None), true)
    }

    /// The keys of `source`. A missing key file is created (mode 0600) only when `may_create`
    /// (a new store); an existing one must not be readable by group or others.
    pub fn open(source: &KeySource, may_create: bool) -> Result<Self, String> {
        if let (KeySource::Env, Ok(master)) = (source, std::env::var("ORDERVEIL_MASTER_KEY")) {
            let index = std::env::var("ORDERVEIL_INDEX_KEY")
                .map_err(|_| "ORDERVEIL_MASTER_KEY is set but ORDERVEIL_INDEX_KEY is not".to_string())?;
            let v1 = KekVersion::new(1).ok_or("version")?;
            return Ok(Self {
                keks: BTreeMap::from([(1, Kek::from_bytes(v1, decode32(&master)?))]),
                primary: 1,
                index_master: IndexMasterSecret::from_bytes(decode32(&index)?),
            });
        }
        let KeySource::File(path) = source else { return Err("ORDERVEIL_MASTER_KEY is not set".into()) };
        if !path.exists() {
            if !may_create {
                return Err(format!(
                    "no key file at {}, and this store already holds orders or keys: every process on a store needs the store's keys. \
                     Point --key-file at the key file the store was started with (or set ORDERVEIL_MASTER_KEY and ORDERVEIL_INDEX_KEY)",
                    path.display()
                ));
            }
            Self::create_file(path)?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(format!("the key file {} may be read by others (mode {:o}); run `chmod 600 {}`", path.display(), mode & 0o777, path.display()));
            }
        }
        let file = read_key_file(path)?;
        let mut keks = BTreeMap::new();
        for (v, k) in &file.keks {
            let version = KekVersion::new(*v).ok_or("key version 0")?;
            keks.insert(*v, Kek::from_bytes(version, decode32(k)?));
        }
        if !keks.contains_key(&file.primary) {
            return Err(format!("primary key version {} missing", file.primary));
        }
        Ok(Self { keks, primary: file.primary, index_master: IndexMasterSecret::from_bytes(decode32(&file.index_master)?) })
    }

    /// The same keys with `version` as the primary (the store's primary, which wins over the
    /// key file's); an error if this process does not hold it.
    pub fn with_primary(mut self, version: u32) -> Result<Self, String> {
        if !self.keks.contains_key(&version) {
            return Err(format!("this store's primary master key is version {version}, which this process does not have"));
        }
        self.primary = version;
        Ok(self)
    }

    /// The primary version.
    pub fn primary_version(&self) -> u32 {
        self.primary
    }

    /// Add a new master key version to the key file at `path` and make it the file's primary:
    /// the first version above both `above` (every version the store knows) and the file's
    /// own. The file is replaced atomically (a private temporary file, synced, renamed).
    /// Returns the new version.
    pub fn add_version_to_file(path: &Path, above: u32) -> Result<u32, String> {
        let mut file = read_key_file(path)?;
        let next = file.keks.keys().copied().chain([above]).max().unwrap_or(0).checked_add(1).ok_or("no key version left")?;
        let kek = Kek::generate(KekVersion::new(next).ok_or("version")?).map_err(|e| e.to_string())?;
        file.keks.insert(next, URL_SAFE_NO_PAD.encode(kek.expose_bytes()));
        file.primary = next;
        replace_key_file(path, &file)?;
        Ok(next)
    }

    /// Remove a retired master key version from the key file at `path` (nothing if absent).
    pub fn remove_version_from_file(path: &Path, version: u32) -> Result<bool, String> {
        let mut file = read_key_file(path)?;
        if file.primary == version {
            return Err(format!("version {version} is the key file's primary"));
        }
        if file.keks.remove(&version).is_none() {
            return Ok(false);
        }
        replace_key_file(path, &file)?;
        Ok(true)
    }

    fn create_file(path: &Path) -> Result<(), String> {
        let v1 = KekVersion::new(1).ok_or("version")?;
        let kek = Kek::generate(v1).map_err(|e| e.to_string())?;
        let im = IndexMasterSecret::generate().map_err(|e| e.to_string())?;
        let file = KeyFile {
            primary: 1,
            keks: BTreeMap::from([(1, URL_SAFE_NO_PAD.encode(kek.expose_bytes()))]),
            index_master: URL_SAFE_NO_PAD.encode(im.expose_bytes()),
        };
        let text = Zeroizing::new(serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        // Several processes may start at once on a fresh shared data directory: write a
        // private temporary file, then hard-link it into place. The link is atomic and fails
        // if another process got there first (its file is then the one everybody loads), so
        // no process ever reads a half-written key file.
        let tmp = path.with_extension(format!("json.tmp-{}-{:016x}", std::process::id(), rand::random::<u64>()));
        let created = (|| -> Result<bool, String> {
            let mut f = opts.open(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
            f.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
            f.sync_all().map_err(|e| e.to_string())?;
            match std::fs::hard_link(&tmp, path) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(format!("{}: {e}", path.display())),
            }
        })();
        let _ = std::fs::remove_file(&tmp);
        if created? {
            tracing::info!(path = %path.display(), "created master key file (mode 0600)");
        }
        Ok(())
    }

    /// The master key that wraps new DEKs.
    pub fn primary(&self) -> &Kek {
        // `load` guarantees the primary version is present.
        &self.keks[&self.primary]
    }

    /// A master key by version.
    pub fn kek(&self, version: u32) -> Option<&Kek> {
        self.keks.get(&version)
    }

    /// A shop's index key.
    pub fn index_key(&self, shop: &ShopId) -> IndexKey {
        self.index_master.shop_key(shop)
    }

    /// The check value of every key this process holds: `kek:<version>` and `index`, each
    /// HMAC-SHA256(key, [`CHECK_LABEL`]) in hex. A check value tells whether two processes hold
    /// the same key without telling anything about the key.
    pub fn check_values(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self.keks.iter().map(|(v, k)| (format!("kek:{v}"), check_value(k.expose_bytes()))).collect();
        out.push(("index".into(), check_value(self.index_master.expose_bytes())));
        out
    }

    /// The audit chain's key: HKDF-SHA256 of the index master secret under its own label, so it
    /// is held exactly like the other keys (the key file or the environment, never the store)
    /// and covered by the index key's check value.
    pub fn audit_key(&self) -> AuditKey {
        let mut out = Zeroizing::new([0u8; 32]);
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(None, self.index_master.expose_bytes());
        // 32 bytes is always a valid HKDF-SHA256 output length.
        let _ = hk.expand(b"orderveil audit chain v1", out.as_mut_slice());
        AuditKey(out)
    }

    /// The key versions held.
    pub fn versions(&self) -> Vec<u32> {
        self.keks.keys().copied().collect()
    }
}

fn read_key_file(path: &Path) -> Result<KeyFile, String> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?);
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Write `file` over `path` atomically: a private (0600) temporary file beside it, synced,
/// renamed over the old one, the directory synced. A reader sees the old file or the new one.
fn replace_key_file(path: &Path, file: &KeyFile) -> Result<(), String> {
    let text = Zeroizing::new(serde_json::to_string_pretty(file).map_err(|e| e.to_string())?);
    let tmp = path.with_extension(format!("json.tmp-{}-{:016x}", std::process::id(), rand::random::<u64>()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let written = (|| -> Result<(), String> {
        let mut f = opts.open(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        f.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
        f.sync_all().map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The key of the audit chain's HMAC links.
#[derive(Clone)]
pub struct AuditKey(Zeroizing<[u8; 32]>);

impl AuditKey {
    /// The key's bytes (for the HMAC).
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey([redacted])")
    }
}

/// The label a key check value is the HMAC of.
pub const CHECK_LABEL: &[u8] = b"orderveil key check v1";

/// HMAC-SHA256(`key`, [`CHECK_LABEL`]) in hex.
pub fn check_value(key: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| <Hmac<sha2::Sha256> as KeyInit>::new(&Default::default()));
    mac.update(CHECK_LABEL);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let a = KeyProvider::load(dir.path()).unwrap();
        let b = KeyProvider::load(dir.path()).unwrap();
        assert_eq!(a.primary().expose_bytes(), b.primary().expose_bytes(), "same key on restart");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join("keys.json")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{a:?}").contains(&URL_SAFE_NO_PAD.encode(a.primary().expose_bytes())));
    }

    #[test]
    fn processes_starting_together_agree_on_one_key_file() {
        // Several server processes started at once on a fresh shared data directory.
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let barrier = std::sync::Barrier::new(8);
            let keys: Vec<Result<Vec<u8>, String>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            KeyProvider::load(dir.path()).map(|k| k.primary().expose_bytes().to_vec())
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let first = keys[0].clone().unwrap();
            for k in keys {
                assert_eq!(k.unwrap(), first, "every process must load the one key file");
            }
        }
    }
}
