# SPDX-License-Identifier: GPL-2.0
# The cases of the hostile campaign (sourced by run.sh through CASES_FILE,
# see campaign.sh): the campaign itself, its concurrent part (ours only)
# and a SENSE ID afterwards. CAMPAIGN_SEED, CAMPAIGN_STEPS and
# CAMPAIGN_CHAOS come from campaign.sh.
. "$GUEST_DIR/cases.sh"

# The comparable part: programs, regions, ioctls, HALT/CLEAR/RESET/START
# while busy; raw output in $OUT, compared by `ccwctl campaign --diff`.
t_campaign() {
    t0=$(date +%s)
    ccw campaign --seed "$CAMPAIGN_SEED" --steps "$CAMPAIGN_STEPS"
    r=$?
    echo "campaign: $(( $(date +%s) - t0 )) s" >> "$LOG"
    return $r
}

# Concurrent writers on one device, close/reset/unmap while busy. Ours
# only: the C driver declares its subchannel not operational under such
# cycles (Documentation/ccwctl.md, "The hostile campaign"). Through iommufd
# (the unmap rounds need it, see t_unmap_pinned). The device stays open
# throughout: a reset opens it again in the same hold of its I/O lock as
# the end of its quiesce, so no START, HALT or CLEAR finds it closed (EIO),
# and a HALT or CLEAR the quiesce makes fail answers EAGAIN, not ENODEV
# (which QEMU turns into cc 3: device gone).
t_campaign_chaos() {
    if [ -e /dev/iommu ]; then
        ccw --iommufd campaign --chaos --seed "$CAMPAIGN_SEED" --steps "$CAMPAIGN_CHAOS"
    else
        ccw campaign --chaos --seed "$CAMPAIGN_SEED" --steps "$CAMPAIGN_CHAOS"
    fi || return 1
    ! grep -E '^chaos .* (start|hsch|csch)=(EIO|ENODEV):' "$OUT"
}

# The device still works.
t_campaign_after() {
    ccw run -e "$SID" || return 1
    sid_ok sid 02 && irb_ok "$(iova_hex 8)"
}

CASES="
campaign t_campaign
campaign-chaos t_campaign_chaos rs-only
campaign-after t_campaign_after
"
