//! What a run costs: process and PostgreSQL backend CPU, the machine calibration, RSS sampling.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// CPU seconds so far of the server, this load generator and the PostgreSQL backends.
/// CPU per request is steadier than the rate on a shared machine, and tells what 2 quiet
/// cores could do: `2 s / (sum of the three per request)` requests per second.
pub(crate) struct Cpu(Option<f64>, Option<f64>, Option<f64>);

impl Cpu {
    pub(crate) async fn read(pid: u32, db_url: Option<&str>) -> Self {
        Self(proc_cpu_secs(pid), proc_cpu_secs(std::process::id()), pg_backends_cpu_secs(db_url).await)
    }

    pub(crate) async fn report(&self, pid: u32, db_url: Option<&str>, requests: f64) {
        let now = Self::read(pid, db_url).await;
        let per = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| (b - a) / requests * 1e6);
        let (server, client, pg) = (per(self.0, now.0), per(self.1, now.1), per(self.2, now.2));
        let mut line = String::from("           CPU per request:");
        let mut total = 0.0;
        for (what, v) in [("server", server), ("load generator", client), ("PostgreSQL", pg)] {
            if let Some(v) = v {
                line.push_str(&format!(" {what} {v:.0} µs,"));
                total += v;
            }
        }
        println!("{line} total {total:.0} µs -> {:.0}/s on 2 idle cores", 2e6 / total);
    }
}

/// User + system CPU seconds of a process so far (Linux `/proc`; `None` elsewhere).
pub(crate) fn proc_cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}

/// CPU seconds of the PostgreSQL backends serving the bench database so far.
pub(crate) async fn pg_backends_cpu_secs(db_url: Option<&str>) -> Option<f64> {
    let pool = sqlx::AnyPool::connect(db_url?).await.ok()?;
    let pids: Vec<(i32,)> =
        sqlx::query_as("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").fetch_all(&pool).await.ok()?;
    pool.close().await;
    Some(pids.iter().filter_map(|(p,)| proc_cpu_secs(u32::try_from(*p).ok()?)).sum())
}

/// What this machine charges for the two things a request is made of, so that runs on
/// different days (or VMs) can be compared: a thread wake-up round trip (two threads
/// ping-ponging one byte over a socket pair: every request crosses threads — runtime, SQLite
/// driver, settler — several times, and PostgreSQL is another process) and pure computation
/// (sealing a one-order grant: two X25519 operations).
pub(crate) fn calibrate() {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    let (mut a, mut b) = UnixStream::pair().unwrap();
    const ROUNDS: u32 = 50_000;
    let echo = std::thread::spawn(move || {
        let mut byte = [0u8; 1];
        for _ in 0..ROUNDS {
            b.read_exact(&mut byte).unwrap();
            b.write_all(&byte).unwrap();
        }
    });
    let mut byte = [7u8; 1];
    let t = Instant::now();
    for _ in 0..ROUNDS {
        a.write_all(&byte).unwrap();
        a.read_exact(&mut byte).unwrap();
    }
    let wake = t.elapsed().as_secs_f64() / f64::from(ROUNDS) * 1e6;
    echo.join().unwrap();

    let client = orderveil_cipher::ClientSession::new().unwrap().public_key();
    let body = orderveil_cipher::GrantBody {
        grant_id: orderveil_cipher::GrantId::generate().unwrap(),
        shop_id: orderveil_cipher::ShopId::new("shop1").unwrap(),
        purpose: orderveil_cipher::GrantPurpose::Reveal,
        issued_at: 0,
        expires_at: 60,
        orders: vec![orderveil_cipher::GrantOrder {
            order_id: orderveil_cipher::OrderId::new("C-1").unwrap(),
            binding: String::new(),
            keys: orderveil_cipher::FieldKind::ALL.iter().map(|k| orderveil_cipher::Dek::from_bytes([9; 32]).field_key(*k)).collect(),
        }],
    };
    let mut times: Vec<f64> = (0..400)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(orderveil_cipher::seal_grant(&client, &body).unwrap());
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("machine: thread wake-up round trip {wake:.1} µs (mean of {ROUNDS}), seal a 1-order grant {:.1} µs (median of 400)", times[200]);
}

/// Peak RSS figures of a process, sampled from `/proc/PID/status`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Rss {
    /// Peak resident set size so far (`VmHWM`), MB.
    pub(crate) hwm: f64,
    /// Largest anonymous RSS seen (heap, stacks), MB.
    pub(crate) anon: f64,
    /// Largest file-backed RSS seen (the binary, mapped files), MB.
    pub(crate) file: f64,
}

pub(crate) fn proc_status_mb(pid: u32, key: &str) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}

/// Sample `pid`'s RSS every 50 ms until the returned flag is set; the thread's result is the
/// peak anonymous and file-backed RSS seen and the final `VmHWM`.
pub(crate) fn sample_rss(pid: u32) -> (Arc<std::sync::atomic::AtomicBool>, std::thread::JoinHandle<Rss>) {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let t = std::thread::spawn(move || {
        let mut r = Rss::default();
        loop {
            r.anon = r.anon.max(proc_status_mb(pid, "RssAnon:").unwrap_or(0.0));
            r.file = r.file.max(proc_status_mb(pid, "RssFile:").unwrap_or(0.0));
            if flag.load(Ordering::Relaxed) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        r.hwm = proc_status_mb(pid, "VmHWM:").unwrap_or(0.0);
        r
    });
    (stop, t)
}

/// Reset the peak RSS of `pid` (`/proc/PID/clear_refs`, value 5), so `VmHWM` covers what
/// comes next only. Needs the right to write there (root or the same user).
pub(crate) fn reset_hwm(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}
