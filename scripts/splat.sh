#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Exit 1 (and print the lines) if a guest console log shows a kernel splat.
set -u
PAT='Oops|BUG:|WARNING:|Call Trace|possible recursive locking|possible circular locking|inconsistent lock state|DEBUG_LOCKS_WARN_ON|INFO: trying to register non-static key|sleeping function called from invalid context|unreferenced object|kmemleak: .*new suspected|Kernel panic|blocked for more than|general protection|refcount_t:|list_(add|del) corruption|UBSAN|Unable to handle kernel'
if grep -nE "$PAT" "$1" | grep -v 'vccw-guest:'; then
    exit 1
fi
exit 0
