// SPDX-License-Identifier: GPL-2.0
/*
 * The s390 debug feature areas of the driver, named, sized and leveled as
 * the C vfio_ccw's (vfio_ccw_debug_init), so that an administrator's
 * s390dbf habits work: vfio_ccw_msg (sprintf view, the messages below) and
 * vfio_ccw_trace (hex/ascii view: instructions, their condition codes,
 * interruptions). Default level 2: raise it through
 * /sys/kernel/debug/s390dbf/<area>/level to see the higher ones.
 * Rust side: src/ffi/log.rs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/ratelimit.h>
#include <asm/debug.h>

#include "css.h"
#include "vfio_ccw_rs/log.h"

#define VCCW_DBF_MSG_NAME "vfio_ccw_msg"
#define VCCW_DBF_TRACE_NAME "vfio_ccw_trace"

static debug_info_t *vccw_dbf_msg_id;
static debug_info_t *vccw_dbf_trace_id;

/*
 * The sprintf view keeps the format's address and formats when read: these
 * literals live as long as the module, and the areas are unregistered first.
 */
static const struct {
	int level;
	char *fmt;
} vccw_dbf_msgs[] = {
	[VCCW_DBF_BOUND] = { 4, "bound to subchannel %x.%x.%04x\n" },
	[VCCW_DBF_UNBOUND] = { 4, "unbound from subchannel %x.%x.%04x\n" },
	[VCCW_DBF_CREATE] = { 2, "sch %x.%x.%04x: create\n" },
	[VCCW_DBF_REMOVE] = { 2, "sch %x.%x.%04x: remove\n" },
	[VCCW_DBF_NOTOPER] = { 2, "sch %x.%x.%04x: notoper event %x state %x\n" },
	[VCCW_DBF_TRANSPORT_MODE] = { 2, "sch %x.%x.%04x: transport mode\n" },
	[VCCW_DBF_CP_INIT] = { 2, "sch %x.%x.%04x: cp_init=%d\n" },
	[VCCW_DBF_CP_PREFETCH] = { 2, "sch %x.%x.%04x: cp_prefetch=%d\n" },
	[VCCW_DBF_IO_HELPER] = { 2, "sch %x.%x.%04x: fsm_io_helper=%d\n" },
	[VCCW_DBF_HALT_ON_IO] = { 2, "sch %x.%x.%04x: halt on io_region\n" },
	[VCCW_DBF_CLEAR_ON_IO] = { 2, "sch %x.%x.%04x: clear on io_region\n" },
	[VCCW_DBF_UNEXPECTED_IRQ] = { 2, "sch %x.%x.%04x: unexpected interrupt\n" },
	[VCCW_DBF_CHP_EVENT] = { 2, "sch %x.%x.%04x: mask=0x%x event=%d\n" },
};

static const struct {
	int level;
	const char *text;
} vccw_dbf_insns[] = {
	[VCCW_DBF_SSCH] = { 5, "stIO" },
	[VCCW_DBF_HSCH] = { 2, "haltIO" },
	[VCCW_DBF_CSCH] = { 2, "clearIO" },
};

/* Whether s390dbf already has an area of that name (debugfs is its only index). */
static bool vccw_dbf_exists(const char *name)
{
	struct dentry *root, *area;
	bool exists = false;

	root = debugfs_lookup("s390dbf", NULL);
	if (IS_ERR_OR_NULL(root))
		return false;
	area = debugfs_lookup(name, root);
	if (!IS_ERR_OR_NULL(area)) {
		exists = true;
		dput(area);
	}
	dput(root);
	return exists;
}

int vccw_dbf_register(void)
{
	/*
	 * A second area of the same name would get no debugfs directory:
	 * refuse to load instead (the C vfio_ccw holds the css driver name
	 * too, so its loading excludes ours anyway).
	 */
	if (vccw_dbf_exists(VCCW_DBF_MSG_NAME) || vccw_dbf_exists(VCCW_DBF_TRACE_NAME)) {
		pr_err("s390dbf areas %s/%s exist: is vfio_ccw loaded?\n",
		       VCCW_DBF_MSG_NAME, VCCW_DBF_TRACE_NAME);
		return -EBUSY;
	}
	vccw_dbf_msg_id = debug_register(VCCW_DBF_MSG_NAME, 16, 1, 11 * sizeof(long));
	vccw_dbf_trace_id = debug_register(VCCW_DBF_TRACE_NAME, 16, 1, 16);
	if (!vccw_dbf_msg_id || !vccw_dbf_trace_id) {
		vccw_dbf_unregister();
		return -ENOMEM;
	}
	debug_register_view(vccw_dbf_msg_id, &debug_sprintf_view);
	debug_set_level(vccw_dbf_msg_id, 2);
	debug_register_view(vccw_dbf_trace_id, &debug_hex_ascii_view);
	debug_set_level(vccw_dbf_trace_id, 2);
	return 0;
}

void vccw_dbf_unregister(void)
{
	debug_unregister(vccw_dbf_msg_id);
	debug_unregister(vccw_dbf_trace_id);
	vccw_dbf_msg_id = NULL;
	vccw_dbf_trace_id = NULL;
}

void vccw_dbf_msg(struct subchannel *sch, enum vccw_dbf_msg msg, long a, long b)
{
	if (msg >= ARRAY_SIZE(vccw_dbf_msgs))
		return;
	debug_sprintf_event(vccw_dbf_msg_id, vccw_dbf_msgs[msg].level, vccw_dbf_msgs[msg].fmt,
			    sch->schid.cssid, sch->schid.ssid, sch->schid.sch_no, a, b);
}

void vccw_dbf_insn(struct subchannel *sch, enum vccw_dbf_insn insn, int cc)
{
	int level;

	if (insn >= ARRAY_SIZE(vccw_dbf_insns))
		return;
	level = vccw_dbf_insns[insn].level;
	debug_text_event(vccw_dbf_trace_id, level, vccw_dbf_insns[insn].text);
	debug_text_event(vccw_dbf_trace_id, level, dev_name(&sch->dev));
	debug_event(vccw_dbf_trace_id, level, &cc, sizeof(cc));
}

void vccw_dbf_irq(struct subchannel *sch)
{
	debug_text_event(vccw_dbf_trace_id, 6, "IRQ");
	debug_text_event(vccw_dbf_trace_id, 6, dev_name(&sch->dev));
}

bool vccw_warn_ratelimit(void)
{
	static DEFINE_RATELIMIT_STATE(vccw_warn_rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);

	return __ratelimit(&vccw_warn_rs);
}
