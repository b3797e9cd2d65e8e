// libsystemd's daemon and journal APIs (Debian: libsystemd-dev).
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/prctl.h>
#include <sys/xattr.h>

// prctl is variadic, which Swift cannot call: tmsd makes itself undumpable
// (no core file, no ptrace by its own user, /proc/PID owned by root) here.
static inline int tmsd_set_undumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }
