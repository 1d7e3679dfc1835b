"""`python -m tests.sandbox.no_userns COMMAND...` (as root): run COMMAND as root of a fresh user
and mount namespace (uids 0-65535 mapped to themselves) in which no further user namespace
may be created, the situation of a non-root service on a host without user namespaces."""

import os
import sys


def main() -> None:
    ready_r, ready_w = os.pipe()
    helper = os.fork()
    if helper == 0:  # stays outside, as newuidmap would, to write the wide maps
        os.read(ready_r, 1)
        target = os.getppid()
        for name, text in (("uid_map", "0 0 65536"), ("gid_map", "0 0 65536")):
            with open(f"/proc/{target}/{name}", "w") as f:
                f.write(text)
        os._exit(0)
    os.unshare(os.CLONE_NEWUSER | os.CLONE_NEWNS)
    os.write(ready_w, b"x")
    _, status = os.waitpid(helper, 0)
    if status:
        sys.exit("could not map the user namespace")
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")
    os.execvp(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
