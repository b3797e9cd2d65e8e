// libsystemd's daemon and journal APIs (Debian: libsystemd-dev).
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
