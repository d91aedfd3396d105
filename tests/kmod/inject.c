// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_ccw_rs_inject.ko: a test-only module (CONFIG_VFIO_CCW_RS_TEST_HOOKS)
 * that delivers channel-path events to the css driver bound to a subchannel,
 * the way cio's chsc.c does for the machine checks QEMU cannot raise
 * (channel path offline or online) and for vary off/on. It calls whichever
 * driver is bound (sch->driver->chp_event), so it reaches the C vfio_ccw as
 * well as ours. Documentation/driver.md, "Channel-path event injector".
 *
 * /sys/kernel/debug/vfio_ccw_rs_inject/chp_event, write
 *
 *	SCH EVENT[,EVENT...] CHPID [COUNT]
 *
 * SCH: the subchannel's bus id (0.0.0000); EVENT: offline, online, vary_off,
 * vary_on; CHPID: the path as in sysfs (0.00, the css id and the hex id) or
 * its hex id alone; COUNT (default 1): how many times the list is delivered.
 * Each event is one call as cio makes it: a zeroed struct chp_link with the
 * CHPID (fla_mask and fla 0: every subchannel of the path), sch->lock held,
 * interrupts off; a failed CHP_OFFLINE is followed by cio's consequence
 * (lpm 0 and a re-evaluation of the subchannel). The device lock is held
 * around each call so the driver cannot be unbound under it. The write
 * fails with the first error a driver returned (ENODEV if none is bound or
 * it has no chp_event); a read prints "calls=N errors=M" of the last write.
 */
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "css.h"
#include "chp.h"
#include "cio.h"

#define INJ_MAX_EVENTS 8

static const char *const inj_names[] = {
	[CHP_ONLINE] = "online",
	[CHP_OFFLINE] = "offline",
	[CHP_VARY_ON] = "vary_on",
	[CHP_VARY_OFF] = "vary_off",
};

/* Matches no subchannel: registered only to learn the css bus. */
static struct css_device_id inj_ids[] = { { /* end of list */ } };

static struct css_driver inj_driver = {
	.drv = {
		.name = "vfio_ccw_rs_inject",
		.owner = THIS_MODULE,
	},
	.subchannel_type = inj_ids,
};

static struct dentry *inj_dir;
static DEFINE_MUTEX(inj_lock);
static unsigned long inj_calls, inj_errors;

static int inj_event(const char *s)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(inj_names); i++)
		if (inj_names[i] && !strcmp(s, inj_names[i]))
			return i;
	return -EINVAL;
}

/* One event as chsc.c delivers it; returns the driver's answer. */
static int inj_deliver(struct subchannel *sch, struct chp_id chpid, int event)
{
	struct chp_link link;
	unsigned long flags;
	int rc = -ENODEV;

	memset(&link, 0, sizeof(link));
	link.chpid = chpid;
	device_lock(&sch->dev);
	spin_lock_irqsave(&sch->lock, flags);
	if (sch->driver && sch->driver->chp_event) {
		rc = sch->driver->chp_event(sch, &link, event);
		if (rc && event == CHP_OFFLINE) {
			/* s390_subchannel_remove_chpid()'s consequence. */
			sch->lpm = 0;
			css_sched_sch_todo(sch, SCH_TODO_EVAL);
		}
	}
	spin_unlock_irqrestore(&sch->lock, flags);
	device_unlock(&sch->dev);
	return rc;
}

static ssize_t inj_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	char *buf, *p, *bus_id, *events, *path, *tok;
	int ev[INJ_MAX_EVENTS], nev = 0, i, rc, first = 0;
	unsigned int cssid = 0, id, count = 1;
	struct chp_id chpid;
	struct device *dev;

	if (len > 128)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	p = strim(buf);
	bus_id = strsep(&p, " ");
	events = strsep(&p, " ");
	path = strsep(&p, " ");
	rc = -EINVAL;
	if (!bus_id || !events || !path)
		goto out;
	if (p && kstrtouint(p, 0, &count))
		goto out;
	if (!count || count > 1000000)
		goto out;
	if (strchr(path, '.') ? sscanf(path, "%x.%x", &cssid, &id) != 2 :
				sscanf(path, "%x", &id) != 1)
		goto out;
	if (cssid > 0xff || id > 0xff)
		goto out;
	while ((tok = strsep(&events, ",")) != NULL) {
		if (nev == INJ_MAX_EVENTS)
			goto out;
		ev[nev] = inj_event(tok);
		if (ev[nev] < 0)
			goto out;
		nev++;
	}
	chp_id_init(&chpid);
	chpid.cssid = cssid;
	chpid.id = id;

	rc = -ENODEV;
	dev = bus_find_device_by_name(inj_driver.drv.bus, NULL, bus_id);
	if (!dev)
		goto out;
	mutex_lock(&inj_lock);
	inj_calls = 0;
	inj_errors = 0;
	for (; count; count--) {
		for (i = 0; i < nev; i++) {
			rc = inj_deliver(to_subchannel(dev), chpid, ev[i]);
			inj_calls++;
			if (rc) {
				inj_errors++;
				if (!first)
					first = rc;
			}
		}
		cond_resched();
	}
	mutex_unlock(&inj_lock);
	put_device(dev);
	rc = first;
out:
	kfree(buf);
	return rc ? rc : len;
}

static int inj_show(struct seq_file *m, void *v)
{
	mutex_lock(&inj_lock);
	seq_printf(m, "calls=%lu errors=%lu\n", inj_calls, inj_errors);
	mutex_unlock(&inj_lock);
	return 0;
}

static int inj_open(struct inode *inode, struct file *file)
{
	return single_open(file, inj_show, NULL);
}

static const struct file_operations inj_fops = {
	.owner = THIS_MODULE,
	.open = inj_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = inj_write,
};

static int __init inj_init(void)
{
	int rc = css_driver_register(&inj_driver);

	if (rc)
		return rc;
	inj_dir = debugfs_create_dir("vfio_ccw_rs_inject", NULL);
	debugfs_create_file("chp_event", 0600, inj_dir, NULL, &inj_fops);
	return 0;
}

static void __exit inj_exit(void)
{
	debugfs_remove_recursive(inj_dir);
	css_driver_unregister(&inj_driver);
}

module_init(inj_init);
module_exit(inj_exit);
MODULE_DESCRIPTION("vfio_ccw_rs test hook: channel-path event injector");
MODULE_LICENSE("GPL");
