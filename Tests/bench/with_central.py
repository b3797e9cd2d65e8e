"""`make bench`'s network figures need a central PostgreSQL: this runs the
command it is given (tmsbench) beside a throwaway PostgreSQL 15 cluster, made
as the tests make theirs (initdb as nobody in a temporary directory, a Unix
socket only, stopped by its PID) but fsyncing its commits as a real one does.
The command finds it through TMSBENCH_CENTRAL_SOCKET and
TMSBENCH_CENTRAL_PASSWORD_FILE; its exit status is this script's."""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))
from postgres import Postgres  # noqa: E402


def main():
    if len(sys.argv) < 2:
        print("usage: with_central.py COMMAND [ARGUMENT...]", file=sys.stderr)
        return 64
    with tempfile.TemporaryDirectory(prefix="tmsbench-central-") as directory:
        os.chmod(directory, 0o755)  # nobody runs the server below it
        central = Postgres(Path(directory) / "pg", durable=True)
        try:
            env = dict(os.environ, TMSBENCH_CENTRAL_SOCKET=central.socket,
                       TMSBENCH_CENTRAL_PASSWORD_FILE=str(central.credential))
            status = subprocess.run(sys.argv[1:], env=env).returncode
            shipped = central.psql("tmsd", "SELECT to_regclass('tmsd_site') IS NOT NULL") == [["t"]]
            if status == 0 and shipped:  # (--socket-only and the like ship nothing)
                for sites, entries, records in central.psql(
                        "tmsd", "SELECT (SELECT count(*) FROM tmsd_site), (SELECT count(*) FROM tmsd_entry),"
                                " (SELECT count(*) FROM tmsd_record)"):
                    print(f"    the central server holds {entries} entries and {records} records of {sites} sites")
            return status
        finally:
            central.stop()


if __name__ == "__main__":
    sys.exit(main())
