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
        d.tmsctl("session", "complete", str(sessions[3]["id"]), "--mt", "95", check=False)  # refused
        d.tmsctl("patient", "add", "--mrn", MRN, "--family-name", "X", "--given-name", "Y", "--birth-date", BORN,
                 check=False)  # duplicate MRN, refused
        d.tmsctl("patient", "show", str(patient["id"]))
        d.tmsctl("session", "list")
    finally:
        assert d.stop() == 0


if __name__ == "__main__":
    main(sys.argv[1])
