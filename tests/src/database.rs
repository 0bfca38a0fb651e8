//! The database a test server runs on: a SQLite file in its data directory (the default),
//! or with `VED_TEST_DATABASE=postgres` a fresh database in one private PostgreSQL cluster
//! per test process. The cluster lives in a temporary directory on a free loopback port
//! and is gone when the process ends, however it ends: stopped at exit, stopped by a
//! watchdog when the process is killed, and swept by the next run if both were missed.
use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicU32, Ordering},
        OnceLock,
    },
};

/// Debian's PostgreSQL 15 (the `postgresql` package that `tools/provision.sh test` installs).
const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
/// A cluster directory is named this plus the pid of the test process that owns it.
const CLUSTER_PREFIX: &str = "ved-test-pg-";
/// The cluster's owner: PostgreSQL refuses to run as root.
const PG_USER: &str = "postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backend of this test run, from `VED_TEST_DATABASE` (`sqlite` when unset).
pub fn backend() -> Backend {
    match std::env::var("VED_TEST_DATABASE").as_deref() {
        Err(_) | Ok("" | "sqlite") => Backend::Sqlite,
        Ok("postgres") => Backend::Postgres,
        Ok(other) => panic!("VED_TEST_DATABASE={other}: use `sqlite` or `postgres`"),
    }
}

/// One test server's database; a PostgreSQL one is dropped with it.
pub struct TestDatabase {
    url: String,
    place: Place,
}

enum Place {
    Sqlite(PathBuf),
    Postgres { port: u16, name: String },
}

impl TestDatabase {
    /// A new, empty database of this run's backend; SQLite's file goes in `data_dir`.
    pub fn create(data_dir: &Path) -> Self {
        match backend() {
            Backend::Sqlite => Self::sqlite_file(&data_dir.join("ved.db")),
            Backend::Postgres => Self::postgres(),
        }
    }

    /// A new, empty PostgreSQL database, whatever the run's backend: for what only
    /// PostgreSQL offers (several servers on one database).
    pub fn postgres() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let cluster = Cluster::shared();
        let name = format!("ved_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        cluster.sql("postgres", &format!("CREATE DATABASE {name}"));
        let url = format!("postgres://{PG_USER}@127.0.0.1:{}/{name}", cluster.port);
        Self { url, place: Place::Postgres { port: cluster.port, name } }
    }

    /// The SQLite file a server with the default settings uses.
    pub fn sqlite_file(file: &Path) -> Self {
        Self { url: format!("sqlite://{}", file.display()), place: Place::Sqlite(file.to_owned()) }
    }

    /// What `VED_DATABASE_URL` is set to.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.place, Place::Postgres { .. })
    }

    /// Runs `sql` with the database's own command-line client, as an operator would, and
    /// returns the rows with columns joined by `|`.
    pub fn rows(&self, sql: &str) -> Vec<String> {
        let output = match &self.place {
            Place::Sqlite(file) => {
                Command::new("sqlite3").arg(file).arg(sql).output().expect("sqlite3 is installed")
            }
            Place::Postgres { port, name } => {
                psql(*port, name).arg("-c").arg(sql).output().expect("psql is installed")
            }
        };
        assert!(output.status.success(), "{sql}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect()
    }

    /// Everything in the database as SQL text (`sqlite3 .dump`, `pg_dump`).
    pub fn dump(&self) -> String {
        let output = match &self.place {
            Place::Sqlite(file) => Command::new("sqlite3").arg(file).arg(".dump").output(),
            Place::Postgres { port, name } => Command::new(Path::new(PG_BIN).join("pg_dump"))
                .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", PG_USER, name])
                .output(),
        }
        .expect("the database's dump tool is installed");
        assert!(output.status.success(), "dump: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// A fault injected into the real database: every insert into `table` fails.
    pub fn refuse_inserts(&self, table: &str) {
        let sql = match self.place {
            Place::Sqlite(_) => format!(
                "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                 BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
            ),
            Place::Postgres { .. } => format!(
                "CREATE FUNCTION refuse_{table}() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$; \
                 CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION refuse_{table}();"
            ),
        };
        self.rows(&sql);
    }

    /// Undoes [`TestDatabase::refuse_inserts`].
    pub fn accept_inserts(&self, table: &str) {
        let sql = match self.place {
            Place::Sqlite(_) => format!("DROP TRIGGER refuse_{table}"),
            Place::Postgres { .. } => {
                format!("DROP TRIGGER refuse_{table} ON {table}; DROP FUNCTION refuse_{table}();")
            }
        };
        self.rows(&sql);
    }
}

impl Drop for TestDatabase {
    /// The servers using it have stopped by now; `FORCE` in case one was killed mid-query.
    fn drop(&mut self) {
        if let Place::Postgres { name, .. } = &self.place {
            if let Some(cluster) = CLUSTER.get() {
                cluster.sql("postgres", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

fn psql(port: u16, database: &str) -> Command {
    let mut command = Command::new(Path::new(PG_BIN).join("psql"));
    command.args(["-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"]).args([
        "-p",
        &port.to_string(),
        "-U",
        PG_USER,
        "-d",
        database,
    ]);
    command
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();

struct Cluster {
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    /// This process's cluster, started on first use.
    fn shared() -> &'static Cluster {
        CLUSTER.get_or_init(|| {
            remove_stale_clusters();
            let cluster = Cluster::start();
            // SAFETY: registers a plain `extern "C"` function with no arguments, as atexit asks.
            unsafe { libc::atexit(stop_at_exit) };
            cluster
        })
    }

    fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("{CLUSTER_PREFIX}{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("cluster directory");
        give_to_cluster_owner(&dir);
        let data = dir.join("data");
        run_checked(
            server_tool("initdb")
                .args(["-A", "trust", "-U", PG_USER, "-E", "UTF8", "--locale=C", "--no-sync", "-D"])
                .arg(&data),
        );
        // A port that is free now may be taken by the time the server binds it: try again.
        for _ in 0..5 {
            let port = free_port();
            // Durability is not what these tests check: no fsync keeps them fast. Many test
            // servers share the cluster, each with a pool of connections.
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c max_connections=400",
                dir.display()
            );
            let started = server_tool("pg_ctl")
                .args(["-w", "-t", "60", "-D"])
                .arg(&data)
                .arg("-l")
                .arg(dir.join("server.log"))
                .args(["-o", &options, "start"])
                .stdout(Stdio::null())
                .status()
                .expect("pg_ctl runs");
            if started.success() {
                start_watchdog(&dir);
                return Self { dir, port };
            }
        }
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        panic!("the test PostgreSQL cluster did not start:\n{log}");
    }

    fn sql(&self, database: &str, sql: &str) {
        let output = psql(self.port, database).arg("-c").arg(sql).output().expect("psql is installed");
        assert!(output.status.success(), "{sql}: {}", String::from_utf8_lossy(&output.stderr));
    }
}

extern "C" fn stop_at_exit() {
    if let Some(cluster) = CLUSTER.get() {
        stop_and_remove(&cluster.dir);
    }
}

fn stop_and_remove(dir: &Path) {
    let _ = server_tool("pg_ctl")
        .args(["-m", "immediate", "-D"])
        .arg(dir.join("data"))
        .arg("stop")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = std::fs::remove_dir_all(dir);
}

/// Clusters of earlier test processes that are gone (killed together with their
/// watchdog, or a machine that went down).
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(CLUSTER_PREFIX).and_then(|pid| pid.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            stop_and_remove(&entry.path());
        }
    }
}

/// A process of its own (a new process group, so Ctrl+C in the terminal does not take it
/// too) that stops the cluster once this test process has gone, even after SIGKILL.
#[expect(clippy::zombie_processes, reason = "it outlives this process by design; init reaps it")]
fn start_watchdog(dir: &Path) {
    use std::os::unix::process::CommandExt;
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         if [ -d '{dir}' ]; then {runas}'{bin}/pg_ctl' -m immediate -D '{dir}/data' stop >/dev/null 2>&1; \
         rm -rf '{dir}'; fi",
        pid = std::process::id(),
        dir = dir.display(),
        bin = PG_BIN,
        runas = if is_root() { format!("runuser -u {PG_USER} -- ") } else { String::new() },
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the cluster's watchdog");
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A PostgreSQL server program; they refuse root, so as root it runs as the `postgres` user
/// (from `/`, which that user can always enter).
fn server_tool(name: &str) -> Command {
    let program = Path::new(PG_BIN).join(name);
    let mut command = if is_root() {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", PG_USER, "--"]).arg(program);
        runuser
    } else {
        Command::new(program)
    };
    command.current_dir("/");
    command
}

fn give_to_cluster_owner(dir: &Path) {
    if is_root() {
        run_checked(Command::new("chown").arg(format!("{PG_USER}:")).arg(dir));
    }
}

fn run_checked(command: &mut Command) {
    let output = command.output().unwrap_or_else(|err| panic!("{command:?}: {err}"));
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    port
}
