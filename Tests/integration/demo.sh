#!/bin/sh
# A clinic day, from a fresh state directory: start tmsd, register a patient,
# walk her referral, consultation, medication strategies, evaluation and
# eligibility, prescribe a 10 Hz course, print its calendar, start and complete today's
# session, show the course's progress, record the payer's authorization,
# print tonight's report and the course summary, show the audit trail and verify its chain, take a backup, stop
# tmsd.
# Used by `make demo`, and run by the integration tests.
set -eu
: "${TMSD:?path to tmsd}" "${TMSCTL:?path to tmsctl}" "${STATE:?state directory}"
CONFIG="${CONFIG:-$(dirname "$0")/../../config/demo.conf}"

rm -rf "$STATE"
mkdir -p -m 0750 "$STATE"
# The demo clinic grants whoever runs it every role, through their own group.
g=$(id -gn)
{ cat "$CONFIG"; printf '\n[roles]\nclinician = ["%s"]\nauditor = ["%s"]\nbackup = ["%s"]\n' "$g" "$g" "$g"; } > "$STATE/tmsd.conf"
CONFIG="$STATE/tmsd.conf"
export TMSD_SOCKET="$STATE/tmsd.sock"

step() { printf '\n==> %s\n' "$*"; }
tmsctl() { echo "\$ tmsctl $*"; "$TMSCTL" "$@"; }

step "start tmsd on $STATE (log: $STATE/tmsd.log)"
"$TMSD" --config "$CONFIG" --socket "$TMSD_SOCKET" --database "$STATE/tmsd.sqlite" 2>"$STATE/tmsd.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
# Wait (at most 10 s) until it answers.
i=0
until "$TMSCTL" patient list >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -gt 200 ] || ! kill -0 $pid 2>/dev/null; then echo "tmsd did not start:"; cat "$STATE/tmsd.log"; exit 1; fi
  sleep 0.05
done
echo "tmsd is serving (pid $pid)"

step "register a patient (identifiers on stdin, never on a command line others can read)"
tmsctl patient add --identity - <<'END'
mrn: DEMO-0001
family-name: Rivera
given-name: Ana
birth-date: 1979-04-12
END

step "the front desk finds her by name, case and accents ignored (the query on stdin)"
echo "rivera ana" | tmsctl patient find

step "her contact details: e-mail, and a reminder the day before each session"
tmsctl patient contact 1 --email ana.rivera@example.org --prefer email --reminders

step "the path before a course: who referred her, and why"
tmsctl referral 1 --by "Dr. Adeyemi (GP)" --reason "recurrent depression; two antidepressants failed"

today=$(date -u +%F)
day() { date -u -d "$1 days" +%F; }
step "a consultation with a clinician, in a room (not a treatment chair), and what it decided"
tmsctl consult book 1 --clinician "Dr. Okafor" --date "$today" --time 08:00 --minutes 45
tmsctl consult outcome 1 proceed

step "the medication history: a trial, then a switch and an augmentation, with dose steps, side effects and why each stopped"
tmsctl trial 1 --drug sertraline --dose 150 --weeks 8 --outcome none
tmsctl strategy add 1 --kind switch --base sertraline --drug venlafaxine --start "$(day -270)" --stop "$(day -190)" \
  --dose "$(day -270)=75" --dose "$(day -256)=150" --dose "$(day -242)=225" --side-effect nausea=mild \
  --outcome partial --reason-stopped "under 50% better at 225 mg"
tmsctl strategy add 1 --kind augmentation --base venlafaxine --drug aripiprazole --start "$(day -180)" --stop "$(day -90)" \
  --dose "$(day -180)=2" --dose "$(day -166)=5" --side-effect akathisia=moderate \
  --outcome none --reason-stopped "akathisia, no response"

step "the pre-TMS evaluation, item by item (three shown; the rest recorded the same way)"
tmsctl evaluation record 1 mdd recurrent --detail "severe, current episode 14 months"
tmsctl evaluation record 1 bipolar-screen negative --instrument MDQ --score 3
tmsctl evaluation record 1 thyroid normal --instrument TSH --score 2.1 --detail "lab range 0.4-4.0 mIU/L"
for item in anxiety=absent trauma=absent psychotic-features=absent hormonal=absent chronic-pain=absent \
  sleep-disorder=absent sleep=disturbed substance-use=negative stress=moderate nutrition=adequate \
  psychotherapy=tried ketamine=none ect=none prior-tms=none; do
  "$TMSCTL" evaluation record 1 "${item%%=*}" "${item#*=}" >/dev/null
done
tmsctl evaluation 1

step "eligibility: the TRD definition, the evaluation, each strategy and each payer's rule explained"
tmsctl eligibility 1

step "the patients at the eligible stage"
tmsctl patient list --stage eligible

step "the protocol: 10 Hz left DLPFC"
tmsctl protocol show 10hz-ldlpfc

step "prescribe a course starting today ($today)"
tmsctl course create --patient 1 --protocol 10hz-ldlpfc --start "$today" --prescriber "Dr. Okafor" \
  --target-method beam_f3 --target-label "left DLPFC"

step "the safety screen: nothing to report"
tmsctl screen record 1

step "measure the motor threshold (EMG, abductor pollicis brevis)"
tmsctl mt record 1 --value 52 --method emg --muscle APB

step "the course's calendar"
tmsctl course show 1

step "today's sessions"
tmsctl session list
session=$("$TMSCTL" session list --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["sessions"][0]["session"]["id"])')

step "start and complete today's session ($session)"
tmsctl session start "$session"
tmsctl session complete "$session" --mt 52 --notes "tolerated well"

step "the front desk's board: now marked, who is in each chair (first lines)"
"$TMSCTL" board | sed -n '1,4p'

step "tomorrow's day-before reminders (config/tmsd-mail-reminders sends them through sendmail -t)"
tmsctl remind

step "the course's progress"
"$TMSCTL" course show 1 | sed -n '1,11p'

step "the payer authorized 30 sessions for eight weeks: booking past that warns"
tmsctl auth add 1 --payer Medicare --reference PA-DEMO-1 --sessions 30 --from "$today" --to "$(date -u -d '+56 days' +%F)"

step "her treatment path on a timeline: strategies, evaluation, course"
tmsctl history 1

step "tonight's report, as cron mails it (text part)"
tmsctl report daily

step "the course summary for the referring physician (first lines)"
"$TMSCTL" report course 1 | sed -n '1,24p'

step "the audit trail"
tmsctl audit

step "the audit trail's hash chain, checked"
tmsctl audit verify

step "a backup taken while tmsd serves, checked before it is kept"
tmsctl backup demo.sqlite

step "stop tmsd"
kill -TERM $pid
wait $pid
trap - EXIT
echo "tmsd stopped (exit 0)"
