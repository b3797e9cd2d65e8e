"""Run inside journal_namespace.sh: tmsd logging to the journal through a
whole workflow, with a patient whose name appears nowhere else.

    journal_driver.py DIRECTORY
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import Daemon, add_course, today_utc  # noqa: E402

NAME = ("Quixotically", "Zebulon")
MRN = "MRN-ZQ-90210"
BORN = "1931-07-19"
PHONE = "+44 20 7946 0321"
EMAIL = "zebulon.q@example.org"
# The path before the course: who referred, why, what was found and why a drug stopped are patient data too.
REFERRER = "Dr Xanthippe Vorobyov"
PATH_TEXT = ["referred-for-kq7", "not-candidate-pw3", "detail-zq4", "effect-vv8", "stopped-for-mm2"]


def main(directory):
    d = Daemon(Path(directory), extra_args=["--log-target", "journal"]).start()
    try:
        patient = d.tmsctl_json("patient", "add", "--mrn", MRN, "--family-name", NAME[0], "--given-name", NAME[1],
                                "--birth-date", BORN)["patient"]
        course = add_course(d, patient["id"], "10hz-ldlpfc", today_utc())
        sessions = course["sessions"]
        d.tmsctl("session", "start", str(sessions[0]["id"]))
        d.tmsctl("session", "complete", str(sessions[0]["id"]), "--mt", "55")
        d.tmsctl("session", "miss", str(sessions[1]["id"]), "--reason", "unwell")
        d.tmsctl("session", "abort", str(sessions[2]["id"]), "--pulses", "100", "--reason", "headache")
        d.tmsctl("session", "complete", str(sessions[3]["id"]), "--mt", "95", check=False)  # a later day: refused
        d.tmsctl("patient", "add", "--mrn", MRN, "--family-name", "X", "--given-name", "Y", "--birth-date", BORN,
                 check=False)  # duplicate MRN, refused
        d.tmsctl("patient", "show", str(patient["id"]))
        d.tmsctl("session", "list")
        # The report's paths: an authorization booked short (a warning is logged), the day, the course summary.
        cid = str(course["course"]["id"])
        d.tmsctl("auth", "add", cid, "--payer", "Medicare", "--reference", "J-1", "--sessions", "30",
                 "--from", sessions[0]["date"], "--to", sessions[-1]["date"])
        d.tmsctl("session", "miss", str(sessions[4]["id"]), "--reason", "snow")
        # The front desk's paths: found, shown by MRN, corrected (and back), reached, reminded, the day closed.
        pid = str(patient["id"])
        d.tmsctl("patient", "find", NAME[0][:6].lower())
        d.tmsctl("patient", "find", MRN, "--limit", "1")
        d.tmsctl("patient", "show", MRN)
        d.tmsctl("patient", "show", "MRN-NOT-THERE", check=False)  # refused: MRNNotFound
        d.tmsctl("patient", "correct", pid, "--reason", "typo", "--identity", "-", input=f"given-name: {NAME[1]}us\n")
        d.tmsctl("patient", "correct", pid, "--reason", "typo undone", "--identity", "-", input=f"given-name: {NAME[1]}\n")
        d.tmsctl("patient", "contact", pid, "--phone", PHONE, "--email", EMAIL, "--reminders")
        d.tmsctl("patient", "contact", pid, "--email", "not an address", check=False)  # refused: InvalidValue
        d.tmsctl("remind")
        d.tmsctl("schedule", "close")
        d.tmsctl("report", "daily")
        d.tmsctl("report", "course", cid, "--format", "html")
        # The path before a course: referral, consultations, evaluation, strategies, eligibility, history.
        other = d.tmsctl_json("patient", "add", "--identity", "-",
                              input="mrn: MRN-ZQ-2\nfamily-name: Other\ngiven-name: One\nbirth-date: 1970-01-01\n")["patient"]
        oid = str(other["id"])
        referred, not_candidate, detail, effect, stopped = PATH_TEXT
        d.tmsctl("referral", oid, "--by", REFERRER, "--reason", referred)
        consult = d.tmsctl_json("consult", "book", oid, "--clinician", "Dr. Kim", "--date", today_utc(), "--time", "16:00")
        d.tmsctl("consult", "book", oid, "--clinician", "Dr. Ng", "--date", today_utc(), "--time", "16:30", check=False)  # clash
        d.tmsctl("consult", "outcome", str(consult["consultation"]["id"]), "not-candidate", "--note", not_candidate)
        d.tmsctl("evaluation", "record", oid, "mdd", "recurrent", "--detail", detail)
        d.tmsctl("evaluation", "record", oid, "mdd", "perhaps", check=False)  # refused: InvalidValue
        d.tmsctl("strategy", "add", oid, "--kind", "augmentation", "--base", "sertraline", "--drug", "aripiprazole",
                 "--start", "2026-06-01", "--dose", "2026-06-01=5", "--side-effect", f"{effect}=mild")
        d.tmsctl("strategy", "stop", "1", "--outcome", "none", "--reason", stopped)
        d.tmsctl("strategy", "add", oid, "--kind", "switch", "--base", "lithium", "--drug", "sertraline",
                 "--start", "2026-06-01", "--dose", "2026-06-01=50", check=False)  # refused: NotAnAntidepressant
        d.tmsctl("eligibility", oid)
        d.tmsctl("history", oid)
    finally:
        assert d.stop() == 0


if __name__ == "__main__":
    main(sys.argv[1])
