#!/bin/sh
# Runs recon under valgrind (memcheck): the end-to-end scripts call this in
# place of recon (RECON=tests/valgrind-recon.sh) for `make check-valgrind`.
#   VG_RECON  the recon binary to run (an absolute path)
#   VG_LOG    a directory: one log per process, vg.PID, empty when clean
# Any memory error or leak (definite, indirect or possible) makes the exit
# status 99, which no recon command returns, so the calling check fails too.
exec valgrind -q --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible \
    --log-file="$VG_LOG/vg.%p" "$VG_RECON" "$@"
