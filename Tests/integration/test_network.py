"""The network roll-up (issue 15, part 3): each site's change log shipped to
a real PostgreSQL 15, started by the test as nobody on a Unix socket. Every
entry arrives once and in order, through a stopped server and a site killed
with -9; the site's writes never wait on it; a site whose history was
rewritten is refused centrally, and one whose own chain is broken ships
nothing past the break."""
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import TEST_CONFIG, TMSD, Daemon, add_course, add_patient
from postgres import Postgres, make_certificates

C = "io.tmsd.Clinic."


@pytest.fixture
def central(tmp_dir):
    os.chmod(tmp_dir, 0o755)  # nobody runs the server below it
    pg = Postgres(tmp_dir / "pg")
    try:
        yield pg
    finally:
        pg.stop()


def site(tmp_dir, central, name, batch=None, network=None):
    """A site's daemon, shipping to `central` over its socket (or as `network`, a [network] text, says)."""
    directory = tmp_dir / name
    directory.mkdir(mode=0o700)
    return Daemon(directory, config_text=TEST_CONFIG + (network or central.network_config(name, batch))).start()


def local_chain(d):
    with sqlite3.connect(f"file:{d.database}?mode=ro", uri=True) as db:
        return db.execute("SELECT seq, hash FROM audit WHERE seq IS NOT NULL ORDER BY seq").fetchall()


def central_chain(pg, name):
    return [(int(seq), h) for seq, h in pg.psql("tmsd", f"SELECT seq, hash FROM tmsd_entry WHERE site = '{name}' ORDER BY seq")]


def caught_up(d, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = d.call(C + "GetNetworkStatus")
        if status["lag"] == 0 and status.get("shipped"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"not caught up: {d.call(C + 'GetNetworkStatus')}")


def test_two_sites_ship_every_entry_once_in_order_into_one_central_database(tmp_dir, central):
    a, b = site(tmp_dir, central, "site-a"), site(tmp_dir, central, "site-b")
    try:
        for i in range(5):
            add_patient(a, f"A-{i}", family='O\'Brien "Jr" \\ Ωmega')
        # Text with every kind of escape the canonical encoding makes: the server recomputes each hash.
        a.call(C + "RecordTrial", patientId=1, kind="psychotherapy", weeksAtDose=8, adherence="good", outcome="none",
               sideEffects="tired\n\tthen better")
        for i in range(3):
            add_patient(b, f"B-{i}")
        status = caught_up(a)
        caught_up(b)
        assert status["site"] == "site-a" and status["head"] == status["shipped"] and "lastError" not in status
        assert central_chain(central, "site-a") == local_chain(a) and len(local_chain(a)) == 6
        assert central_chain(central, "site-b") == local_chain(b)
        # Every record keyed by (site, table, id): the two sites' patient 1 are two rows.
        rows = central.psql("tmsd", "SELECT site, id, row->>'mrn' FROM tmsd_record WHERE tbl = 'patient' AND id = 1 ORDER BY site")
        assert rows == [["site-a", "1", "A-0"], ["site-b", "1", "B-0"]]
        out = a.tmsctl("network", "status").stdout
        assert "Site:" in out and "site-a" in out and "Lag:          0 entries" in out
    finally:
        a.stop()
        b.stop()


def test_a_stopped_server_holds_up_nothing_and_gets_every_entry_once_when_it_is_back(tmp_dir, central):
    a = site(tmp_dir, central, "site-a")
    try:
        add_patient(a, "A-0")
        caught_up(a)
        central.stop()
        started = time.monotonic()
        for i in range(1, 11):
            add_patient(a, f"A-{i}")
        assert time.monotonic() - started < 10  # the writes did not wait on the network
        time.sleep(1.5)
        status = a.call(C + "GetNetworkStatus")
        assert status["lag"] == 10 and status["lastError"] and status["shipped"]["sequence"] == 1
        central.start()
        caught_up(a, timeout=60)
        assert central_chain(central, "site-a") == local_chain(a) and len(local_chain(a)) == 11
    finally:
        a.stop()


def test_a_site_killed_mid_stream_resumes_without_a_gap_or_a_duplicate(tmp_dir, central):
    a = site(tmp_dir, central, "site-a", batch=3)
    try:
        # The schema made by the site's first connection; then entry 7 held up two seconds
        # at the server, so the third batch (7-9) is under way when the site is killed.
        deadline = time.monotonic() + 30
        while central.psql("tmsd", "SELECT to_regclass('tmsd_entry') IS NOT NULL") != [["t"]] and time.monotonic() < deadline:
            time.sleep(0.05)
        central.psql("tmsd", "CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(2); RETURN NEW; END $$;"
                             " CREATE TRIGGER hold BEFORE INSERT ON tmsd_entry FOR EACH ROW WHEN (NEW.seq = 7) EXECUTE FUNCTION hold()")
        central.stop()
        for i in range(60):
            add_patient(a, f"A-{i}")
        central.start()
        while (a.call(C + "GetNetworkStatus").get("shipped") or {}).get("sequence", 0) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        a.stop(signal.SIGKILL)
        central.psql("tmsd", "DROP TRIGGER hold ON tmsd_entry")  # once the killed batch's transaction is gone
        assert central_chain(central, "site-a") == local_chain(a)[:6]
        a.start()
        caught_up(a, timeout=60)
        assert central_chain(central, "site-a") == local_chain(a) and len(local_chain(a)) == 60
    finally:
        a.stop()


def test_a_site_whose_history_was_rewritten_is_refused_centrally(tmp_dir, central):
    a = site(tmp_dir, central, "site-a")
    add_patient(a, "A-0")
    add_patient(a, "A-1")
    caught_up(a)
    a.stop()
    # The site's database replaced (a restore of another history, a database made again): same site, other entries.
    for suffix in ("", "-wal", "-shm", ".initialized"):
        if os.path.exists(a.database + suffix):
            os.unlink(a.database + suffix)
    central.stop()
    a.start()
    try:
        add_patient(a, "OTHER")
        central.start()
        deadline = time.monotonic() + 30
        while not a.call(C + "GetNetworkStatus")["refused"] and time.monotonic() < deadline:
            time.sleep(0.1)
        status = a.call(C + "GetNetworkStatus")
        assert status["refused"] is True
        r = a.tmsctl("network", "status", check=False)
        assert r.returncode == 1 and "REFUSED" in r.stdout
        (reason,) = central.psql("tmsd", "SELECT refused_reason FROM tmsd_site WHERE site = 'site-a'")[0]
        assert "entry 1 differs from the one received before" in reason
        # What it held is as it was.
        assert len(central_chain(central, "site-a")) == 2
        assert "site site-a refused" in central.log.read_text()
    finally:
        a.stop()


def test_a_site_ships_nothing_past_a_break_in_its_own_chain(tmp_dir, central):
    a = site(tmp_dir, central, "site-a")
    try:
        add_patient(a, "A-0")
        caught_up(a)
        central.stop()
        add_patient(a, "A-1")
        add_patient(a, "A-2")
        with sqlite3.connect(a.database) as db:
            db.execute("UPDATE audit SET summary = 'nothing to see' WHERE seq = 2")
        central.start()
        deadline = time.monotonic() + 30
        while "broken" not in (a.call(C + "GetNetworkStatus").get("lastError") or "") and time.monotonic() < deadline:
            time.sleep(0.1)
        status = a.call(C + "GetNetworkStatus")
        assert "the local change log is broken at entry 2" in status["lastError"]
        assert len(central_chain(central, "site-a")) == 1
    finally:
        a.stop()


def test_a_de_identified_roll_up_carries_no_name_mrn_birth_date_contact_or_free_text(tmp_dir, central):
    directory = tmp_dir / "site-r"
    directory.mkdir(mode=0o700)
    r = Daemon(directory, config_text=TEST_CONFIG + central.network_config("site-r") + 'records = "de-identified"\n').start()
    try:
        pid = add_patient(r, "MRN-SECRET-77", "Quixotically", "Zebulon", "1931-07-19")["id"]
        r.tmsctl("patient", "contact", str(pid), "--phone", "+44 20 7946 0321", "--email", "zebulon.q@example.org")
        r.tmsctl("patient", "correct", str(pid), "--reason", "typo-reason-kq7", "--identity", "-", input="given-name: Zebulonus\n")
        r.call(C + "RecordReferral", patientId=pid, referredBy="Dr Xanthippe Vorobyov", reason="referral-reason-pw3")
        caught_up(r)
        # The chain arrives whole, entry for entry.
        assert central_chain(central, "site-r") == local_chain(r)
        text = "\n".join(" ".join(row) for row in central.psql("tmsd", "SELECT summary, coalesce(changes::text, '') FROM tmsd_entry")
                         + central.psql("tmsd", "SELECT row::text FROM tmsd_record"))
        for secret in ["MRN-SECRET", "Quixot", "Zebul", "1931-07-19", "7946", "zebulon.q", "typo-reason", "Vorobyov", "referral-reason"]:
            assert secret not in text, secret
        # What is not identifying arrives: the patient's record, the referral's date.
        rows = central.psql("tmsd", "SELECT tbl, row->>'created_at' IS NOT NULL FROM tmsd_record WHERE tbl IN ('patient', 'referral') ORDER BY tbl")
        assert rows == [["patient", "t"], ["referral", "t"]]
    finally:
        r.stop()


def test_the_networks_figures_are_views_over_every_sites_records(tmp_dir, central):
    a, b = site(tmp_dir, central, "site-a"), site(tmp_dir, central, "site-b")
    try:
        for d, sessions in ((a, 1), (b, 0)):
            pid = add_patient(d)["id"]
            course = add_course(d, pid)
            cid = course["course"]["id"]
            d.tmsctl("auth", "add", str(cid), "--payer", "Medicare", "--reference", "PA-1", "--sessions", "30",
                     "--from", "2026-12-02", "--to", "2027-03-31")
            d.tmsctl("outcomes", "record", str(cid), "--scale", "phq9", "--timepoint", "baseline", "--items", "3,3,2,2,2,2,2,2,0")
            for s in course["sessions"][:sessions]:
                d.tmsctl("session", "start", str(s["id"]))
                d.tmsctl("session", "complete", str(s["id"]), "--mt", "55")
            d.tmsctl("outcomes", "record", str(cid), "--scale", "phq9", "--timepoint", "weekly", "--items", "1,1,1,1,0,0,0,0,0")
            caught_up(d)
        assert central.psql("tmsd", "SELECT site, day, sessions, pulses FROM tmsd_sessions_per_day ORDER BY site") == [
            ["site-a", "2026-12-02", "1", "3000"]]
        assert central.psql("tmsd", "SELECT site, protocol_id, scale, baseline, latest FROM tmsd_course_outcomes ORDER BY site") == [
            ["site-a", "10hz-ldlpfc", "phq9", "18", "4"], ["site-b", "10hz-ldlpfc", "phq9", "18", "4"]]
        assert central.psql("tmsd", "SELECT site, payer, authorized, used FROM tmsd_authorization_use ORDER BY site") == [
            ["site-a", "Medicare", "30", "1"], ["site-b", "Medicare", "30", "0"]]
        assert central.psql("tmsd", "SELECT site, month, courses, initial, later FROM tmsd_sessions_billed ORDER BY site") == [
            ["site-a", "2026-12", "1", "1", "0"]]
    finally:
        a.stop()
        b.stop()


def test_the_server_recomputes_each_hash_and_refuses_an_entry_its_contents_do_not_give(tmp_dir, central):
    a = site(tmp_dir, central, "site-a")
    try:
        add_patient(a)
        caught_up(a)
    finally:
        a.stop()
    # An entry as a forger would send it, its summary changed after it was hashed.
    ((at, uid, user, pid, method, summary, changes, prev, hash),) = central.psql(
        "tmsd", "SELECT at, uid, \"user\", pid, method, summary, changes::text, prev_hash, hash FROM tmsd_entry WHERE site = 'site-a'")
    with sqlite3.connect(f"file:{a.database}?mode=ro", uri=True) as db:
        (raw_changes,) = db.execute("SELECT changes FROM audit WHERE seq = 1").fetchone()
    def accept(site, summary):
        quoted = lambda t: "'" + t.replace("'", "''") + "'"
        return central.psql("tmsd", f"SELECT coalesce(tmsd_accept({quoted(site)}, 1, {quoted(at)}, {uid}, {quoted(user)}, {pid}, "
                                    f"{quoted(method)}, 1, NULL, NULL, {quoted(summary)}, NULL, {quoted(raw_changes)}, '', "
                                    f"{quoted(hash)}, true), 'taken')")[0][0]
    assert accept("honest", summary) == "taken"  # the same entry from another site: its contents give its hash
    assert accept("forger", "patient 1 registered, nothing else") == "entry 1 was edited: its contents do not give its hash"
    assert central.psql("tmsd", "SELECT site FROM tmsd_site WHERE refused_at IS NOT NULL") == [["forger"]]


def test_over_tcp_a_site_speaks_tls_and_ships_only_to_a_server_its_ca_vouches_for(tmp_dir):
    os.chmod(tmp_dir, 0o755)  # nobody runs the server below it
    pg = Postgres(tmp_dir / "pg", tls=True)
    sites = []
    try:
        def start(name, config):
            sites.append(site(tmp_dir, pg, name, network=config))
            return sites[-1]
        good = start("site-tls", pg.tls_config("site-tls"))
        add_patient(good, "T-1")
        assert caught_up(good)["head"]["sequence"] == 1
        assert central_chain(pg, "site-tls") == local_chain(good)
        # The server saw it over TLS: the shipper's connection, held open between batches.
        assert pg.psql("tmsd", "SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
                               " WHERE a.client_addr IS NOT NULL") == [["t", "TLSv1.3"]]
        # Another CA: the server's certificate is not taken, and nothing is sent.
        other_ca, _, _ = make_certificates(tmp_dir / "other-ca")
        stranger = start("site-stranger", pg.tls_config("site-stranger", ca=other_ca))
        # The right CA, but the certificate names localhost, not the address connected to.
        misnamed = start("site-misnamed", pg.tls_config("site-misnamed", host="127.0.0.1"))
        # Plain TCP: the server takes TLS alone.
        plain = start("site-plain", pg.tls_config("site-plain", tls="disable"))
        for d, said in ((stranger, "TLS: the server's certificate is not trusted"),
                         (misnamed, "TLS: the server's certificate does not name the host connected to"),
                         (plain, "the server said: no pg_hba.conf entry")):
            add_patient(d, "S-1")
            deadline = time.monotonic() + 20
            while "lastError" not in (status := d.call(C + "GetNetworkStatus")) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert said in status.get("lastError", ""), status
            assert status["lag"] == 1 and not status.get("shipped")
        assert pg.psql("tmsd", "SELECT DISTINCT site FROM tmsd_entry ORDER BY 1") == [["site-tls"]]
    finally:
        for d in sites:
            d.stop()
        pg.stop()


def test_a_network_config_that_cannot_work_is_refused_with_its_key(tmp_dir):
    for network, key, said in [
        ('site = "a"\nsocket = "/run/postgresql/.s.PGSQL.5432"\ntls = "verify-full"\n', "tls", "a Unix socket carries no TLS"),
        ('site = "a"\nhost = "central.example"\ntls = "prefer"\n', "tls", 'must be "verify-full" or "disable"'),
        ('site = "a"\nhost = "central.example"\nca-file = "/nonexistent/ca.pem"\n', "ca-file", "cannot read /nonexistent/ca.pem"),
        ('site = "a"\nhost = "central.example"\ntls = "disable"\nca-file = "/etc/hostname"\n', "ca-file", "does not speak"),
    ]:
        config = tmp_dir / "tmsd.conf"
        config.write_text(TEST_CONFIG + "\n[network]\n" + network)
        result = subprocess.run([TMSD, "--config", str(config), "--check-config"], capture_output=True, text=True, timeout=30)
        assert result.returncode != 0 and f"network.{key}: " in result.stderr and said in result.stderr, result.stderr
