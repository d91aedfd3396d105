// SPDX-License-Identifier: GPL-2.0

//! The figures of `Documentation/figures/`, as Graphviz text generated from
//! the channel core itself, so that they cannot drift from the code.
//!
//! - `fsm`: every cell of [`step`] (all of [`State::ALL`] × [`Event::ALL`]).
//! - `start-path`, `take-down`: the actions [`step`] asks for along a
//!   START and along a close or reset, and the quiesce procedure as the
//!   steps [`Quiesce::next`] takes for every answer of the hardware.
//!
//! What the code cannot say (which kernel entry point feeds which event,
//! what an action does in the kernel) is the hand-written part, kept in
//! [`entry`] and [`kernel_op`] below. `make figures` writes the `.dot`
//! files (`src/bin/figures.rs`) and renders them; the test `figures`
//! fails when a checked-in `.dot` differs from what this module generates.

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::channel::error::Error;
use crate::channel::fsm::{step, Action, Event, IoRequest, State};
use crate::channel::quiesce::{Quiesce, QuiesceInput, QuiesceStep, MAX_CLEARS, MAX_HALTS};
use crate::channel::scsw::{ACTL_CLEAR_PEND, ACTL_HALT_PEND};

/// A figure's generator: its Graphviz text.
pub type Generator = fn() -> String;

/// Every figure: its file name (without `.dot`) and its generator.
pub const FIGURES: [(&str, Generator); 3] = [
    ("fsm", fsm),
    ("start-path", start_path),
    ("take-down", take_down),
];

const HEAD: &str = "\tgraph [fontname=\"Helvetica\", fontsize=13, labelloc=t, nodesep=0.5, ranksep=0.6];\n\
\tnode [fontname=\"Helvetica\", fontsize=11, shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\"];\n\
\tedge [fontname=\"Helvetica\", fontsize=10];\n";

/// Style of an edge taken when an action fails.
const FAILURE: &str = "style=dashed, color=firebrick, fontcolor=firebrick";

/// What a kernel entry point feeds (hand-written: `src/device.rs`).
fn entry(event: Event) -> &'static str {
    match event {
        Event::Open => "open_device; the second half of a reset",
        Event::Close => {
            "close_device;\nmdev remove (once userspace, asked\nthrough the request eventfd, closed it);\nshutdown"
        }
        Event::Reset => "VFIO_DEVICE_RESET;\ndma_unmap of a pinned page",
        Event::IoRequest(_) => "userspace: pwrite of the I/O region (ORB, SCSW)",
        Event::AsyncRequest(_) => "userspace: pwrite of the async-command region",
        Event::Interrupt { .. } => "I/O work item: one event per queued IRB, in order",
        Event::NotOper | Event::SubchannelChanged => "css layer",
        Event::Quiesced { .. } => "end of the quiesce procedure",
    }
}

/// What the kernel does for an action (hand-written: `src/device.rs`).
fn kernel_op(action: Action) -> &'static str {
    match action {
        Action::Translate => "pin the guest's pages, build the host channel program",
        Action::StartSubchannel => "ssch with the host ORB",
        Action::HaltSubchannel => "hsch",
        Action::ClearSubchannel => "csch",
        Action::Enable => "enable the subchannel (ISC 3)",
        Action::Disable => "disable the subchannel",
        Action::Quiesce => "after the step, with the lock released",
        Action::RefreshSchib => "stsch",
        Action::DeliverIrb => "store the IRB in the I/O region",
        Action::FreeProgram => "unpin the guest's pages",
        Action::Unregister => "css layer unregisters the subchannel",
        Action::Reject(_) => "the request fails",
    }
}

/// Quotes `s` for a Graphviz string (lines centred).
fn quote(s: &str) -> String {
    let s = s.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{}\"", s.replace('\n', "\\n"))
}

/// The events, with a complete family (`IoRequest(…)` for every request)
/// written once as `IoRequest(*)`.
fn event_list(events: &[Event]) -> String {
    let family = |e: &Event| {
        let s = format!("{e}");
        s.split('(').next().unwrap_or("").into()
    };
    let mut names: Vec<String> = Vec::new();
    for e in Event::ALL.iter().filter(|e| events.contains(e)) {
        let f: String = family(e);
        let members = Event::ALL.iter().filter(|x| family(x) == f);
        let name = if members.clone().count() > 1 && members.clone().all(|x| events.contains(x)) {
            format!("{f}(*)")
        } else {
            format!("{e}")
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join(", ")
}

/// How a cell shows in the figure.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Actions run (an edge, or a line in the node if the state stays).
    Step,
    /// An action failed and the fallback changes something.
    Failure,
    /// The request is refused; nothing else happens.
    Refuse,
    /// Nothing happens.
    Ignore,
}

/// What a group of cells shows: from, to, kind, text.
type Shows = (State, State, Kind, String);

/// The cells of the table, grouped by what they show, with the events that
/// do it, in table order.
#[derive(Default)]
struct Cells(Vec<(Shows, Vec<Event>)>);

impl Cells {
    fn add(&mut self, key: Shows, event: Event) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, events)) => events.push(event),
            None => self.0.push((key, alloc::vec![event])),
        }
    }

    /// The lines of `from -> to` (`kinds` of them), in kind order.
    fn lines(&self, from: State, to: State, kinds: &[Kind]) -> Vec<(Kind, String)> {
        let mut l: Vec<(Kind, String)> = self
            .0
            .iter()
            .filter(|((f, t, k, _), _)| *f == from && *t == to && kinds.contains(k))
            .map(|((_, _, k, text), events)| {
                let events = event_list(events);
                (
                    *k,
                    match k {
                        Kind::Step => format!("{events} / {text}"),
                        Kind::Failure => format!("{events}: {text}"),
                        Kind::Refuse => format!("{events} refused: {text}"),
                        Kind::Ignore => format!("{events} ignored"),
                    },
                )
            })
            .collect();
        l.sort_by_key(|(k, _)| *k);
        l
    }
}

/// One line of a label, in the font of its kind.
fn row(kind: Kind, line: &str) -> String {
    let (size, color) = match kind {
        Kind::Step => (10, "black"),
        Kind::Failure => (10, "firebrick"),
        Kind::Refuse | Kind::Ignore => (9, "gray30"),
    };
    format!("<FONT POINT-SIZE=\"{size}\" COLOR=\"{color}\">{line}</FONT>")
}

/// The state machine: one node per state listing what the events do that
/// leave it in that state, one edge per other (group of) cells; dashed:
/// when an action fails.
pub fn fsm() -> String {
    let mut cells = Cells::default();
    for s in State::ALL {
        for e in Event::ALL {
            let t = step(s, e);
            let acts = t.actions.as_slice();
            let (kind, text) = match acts {
                [Action::Reject(err)] => (Kind::Refuse, err.name().into()),
                [] if t.next == s => (Kind::Ignore, String::new()),
                _ => (Kind::Step, format!("{}", t.actions)),
            };
            cells.add((s, t.next, kind, text), e);
            let failing: Vec<String> = acts
                .iter()
                .filter(|a| a.can_fail())
                .map(|a| format!("{a}"))
                .collect();
            let fb = t.on_error;
            // A failure that changes nothing but the request's result is
            // not shown.
            if failing.is_empty() || (fb.actions.as_slice().is_empty() && fb.next == s) {
                continue;
            }
            let reply = fb
                .reply
                .map(|r| format!(" ({})", r.name()))
                .unwrap_or_default();
            let text = format!("{} fails / {}{reply}", failing.join(" or "), fb.actions);
            cells.add((s, fb.next, Kind::Failure, text), e);
        }
    }
    let all = [Kind::Step, Kind::Failure, Kind::Refuse, Kind::Ignore];
    let mut out = String::from("digraph fsm {\n");
    out += HEAD;
    out += "\tlabel=\"The state machine (fsm::step in src/channel/fsm.rs): event / actions → next state. Red: an action failed / fallback actions (errno); dashed: only then.\\nIn a node: the events after which the state stays (a failure that changes nothing is not shown).\";\n";
    for s in State::ALL {
        let _ = write!(
            out,
            "\t{} [label=<<TABLE BORDER=\"0\" CELLPADDING=\"1\" CELLSPACING=\"0\"><TR><TD><B>{}</B></TD></TR>",
            s.name(),
            s.name()
        );
        for (kind, line) in cells.lines(s, s, &all) {
            let _ = write!(out, "<TR><TD ALIGN=\"LEFT\">{}</TD></TR>", row(kind, &line));
        }
        out += "</TABLE>>];\n";
    }
    for from in State::ALL {
        for to in State::ALL.into_iter().filter(|&t| t != from) {
            let l = cells.lines(from, to, &[Kind::Step, Kind::Failure]);
            if l.is_empty() {
                continue;
            }
            let label: String = l
                .iter()
                .map(|(k, line)| row(*k, line) + "<BR ALIGN=\"LEFT\"/>")
                .collect();
            let failure = l.iter().all(|(k, _)| *k == Kind::Failure);
            let style = if failure { FAILURE } else { "" };
            let sep = if failure { ", " } else { "" };
            let _ = writeln!(
                out,
                "\t{} -> {} [label=<{label}>{sep}{style}];",
                from.name(),
                to.name()
            );
        }
    }
    out += "}\n";
    out
}

/// A node name for a quiesce step.
fn qnode(s: QuiesceStep) -> &'static str {
    match s {
        QuiesceStep::TryDisable => "q_disable",
        QuiesceStep::Cancel => "q_cancel",
        QuiesceStep::Halt => "q_halt",
        QuiesceStep::Clear => "q_clear",
        QuiesceStep::Wait => "q_wait",
        QuiesceStep::Done(Ok(())) => "q_done_ok",
        QuiesceStep::Done(Err(_)) => "q_done_err",
    }
}

/// What the kernel can answer to a step.
fn answers(s: QuiesceStep) -> Vec<QuiesceInput> {
    let disabled = |result, actl| QuiesceInput::Disabled { result, actl };
    match s {
        QuiesceStep::TryDisable => alloc::vec![
            disabled(Ok(()), 0),
            disabled(Err(Error::Busy), 0),
            disabled(Err(Error::Busy), ACTL_HALT_PEND),
            disabled(Err(Error::Busy), ACTL_CLEAR_PEND),
            disabled(Err(Error::NoDev), 0),
        ],
        QuiesceStep::Cancel | QuiesceStep::Halt | QuiesceStep::Clear => {
            (0..4).map(|cc| QuiesceInput::Issued { cc }).collect()
        }
        QuiesceStep::Wait => alloc::vec![QuiesceInput::Waited],
        QuiesceStep::Done(_) => Vec::new(),
    }
}

/// An answer as an edge label.
fn answer(input: QuiesceInput, to: QuiesceStep) -> String {
    let text = match input {
        QuiesceInput::Begin => "".into(),
        QuiesceInput::Disabled { result: Ok(()), .. } => "disabled".into(),
        QuiesceInput::Disabled {
            result: Err(Error::Busy),
            ..
        } => "busy".into(),
        QuiesceInput::Disabled { .. } => "failed: its errno".into(),
        QuiesceInput::Issued { cc } => format!("cc {cc}"),
        QuiesceInput::Waited => "woken or timed out".into(),
    };
    match (input, to) {
        (QuiesceInput::Disabled { result: Err(e), .. }, QuiesceStep::Done(Err(d))) if e != d => {
            format!("{text}, nothing left to try: {}", d.name())
        }
        _ => text,
    }
}

/// The answers of one edge: condition codes in one line, others one a
/// line.
fn answer_list(labels: &[String]) -> String {
    if labels.iter().all(|l| l.starts_with("cc ")) {
        let ccs: Vec<&str> = labels.iter().map(|l| &l[3..]).collect();
        format!("cc {}", ccs.join(", "))
    } else {
        labels.join("\n")
    }
}

/// The quiesce procedure's edges `(from, to, labels)`: every answer to
/// every step, from the start and along the run against a subchannel that
/// stays busy (which spends the whole budget).
fn quiesce_edges() -> Vec<(QuiesceStep, QuiesceStep, Vec<String>)> {
    let mut edges: Vec<(QuiesceStep, QuiesceStep, Vec<String>)> = Vec::new();
    let mut add = |from: QuiesceStep, to: QuiesceStep, label: String| {
        let same = |s: &QuiesceStep, t: &QuiesceStep| qnode(*s) == qnode(*t);
        match edges
            .iter_mut()
            .find(|(f, t, _)| same(f, &from) && same(t, &to))
        {
            Some((_, _, l)) if l.contains(&label) => {}
            Some((_, _, l)) => l.push(label),
            None => edges.push((from, to, alloc::vec![label])),
        }
    };
    // Every answer, breadth first, to a depth that reaches every step.
    let mut seen: Vec<String> = Vec::new();
    let mut todo = alloc::vec![(Quiesce::new(), QuiesceInput::Begin, None::<QuiesceStep>)];
    for _ in 0..12 {
        let mut next = Vec::new();
        for (mut q, input, from) in todo {
            let s = q.next(input);
            if let Some(from) = from {
                add(from, s, answer(input, s));
            }
            let key = format!("{q:?} {s:?}");
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            for a in answers(s) {
                next.push((q, a, Some(s)));
            }
        }
        todo = next;
    }
    // Always busy: every instruction accepted, the budget spent.
    let mut q = Quiesce::new();
    let mut from = q.next(QuiesceInput::Begin);
    while !matches!(from, QuiesceStep::Done(_)) {
        let input = match from {
            QuiesceStep::TryDisable => QuiesceInput::Disabled {
                result: Err(Error::Busy),
                actl: 0,
            },
            QuiesceStep::Wait => QuiesceInput::Waited,
            _ => QuiesceInput::Issued { cc: 0 },
        };
        let to = q.next(input);
        add(from, to, answer(input, to));
        from = to;
    }
    edges
}

/// A chain of action nodes for `step(state, event)`, entered from `from`;
/// returns the last node and the next state. Failures go back to `back`.
fn feed(
    out: &mut String,
    id: &str,
    from: &str,
    back: &str,
    state: State,
    event: Event,
) -> (String, State) {
    let t = step(state, event);
    let fb = t.on_error;
    let reply = fb.reply.map_or("errno", |r| r.name());
    let mut prev = String::from(from);
    let mut label = format!(
        " [label={}]",
        quote(&format!("{event}\n{} → {}", state.name(), t.next.name()))
    );
    for (i, &a) in t.actions.as_slice().iter().enumerate() {
        let node = format!("{id}_{i}");
        let _ = writeln!(
            out,
            "\t{node} [label=<<B>{a}</B><BR/><FONT POINT-SIZE=\"9\">{}</FONT>>];",
            kernel_op(a)
        );
        let _ = writeln!(out, "\t{prev} -> {node}{label};");
        if a.can_fail() {
            let text = format!("fails: {} → {}, -{reply}", fb.actions, fb.next.name());
            let _ = writeln!(
                out,
                "\t{node} -> {back} [label={}, {FAILURE}, constraint=false];",
                quote(&text)
            );
        }
        label.clear();
        prev = node;
    }
    (prev, t.next)
}

/// A node for a kernel step that is no action of the state machine.
fn kernel(out: &mut String, id: &str, text: &str) {
    let _ = writeln!(
        out,
        "\t{id} [label={}, fillcolor=\"#f4f4f4\"];",
        quote(text)
    );
}

/// The START path: from the write of the I/O region to the eventfd.
pub fn start_path() -> String {
    let mut out = String::from("digraph start {\n");
    out += HEAD;
    out +=
        "\tlabel=\"The START path\\n(bold: actions of fsm::step, grey: kernel and userspace)\";\n";
    let start = Event::IoRequest(IoRequest::Start);
    kernel(&mut out, "pwrite", entry(start));
    let (last, busy) = feed(&mut out, "start", "pwrite", "pwrite", State::Idle, start);
    kernel(&mut out, "css", "channel subsystem runs the program");
    kernel(
        &mut out,
        "irq",
        "irq callback (hard interrupt): queue the IRB, queue the work item",
    );
    let end = Event::Interrupt { ends_program: true };
    kernel(&mut out, "work", entry(end));
    let _ = writeln!(out, "\t{last} -> css;\n\tcss -> irq;\n\tirq -> work;");
    let (last, _) = feed(&mut out, "end", "work", "work", busy, end);
    kernel(&mut out, "eventfd", "signal the I/O eventfd");
    kernel(
        &mut out,
        "pread",
        "userspace: pread of the I/O region (IRB)",
    );
    let _ = writeln!(out, "\t{last} -> eventfd;\n\teventfd -> pread;\n}}");
    out
}

/// The take-down path: close or reset of a busy device, the quiesce
/// procedure, and what the state machine does with its result.
pub fn take_down() -> String {
    let mut out = String::from("digraph take_down {\n");
    out += HEAD;
    out += "\tlabel=\"The take-down path (bold: actions of fsm::step, grey: kernel)\";\n";
    let from = State::Busy;
    let mut quiescing = from;
    for (id, event) in [("close", Event::Close), ("reset", Event::Reset)] {
        kernel(&mut out, id, entry(event));
        let (last, next) = feed(&mut out, id, id, id, from, event);
        let _ = writeln!(out, "\t{last} -> q_disable [label=\"begin\"];");
        quiescing = next;
    }
    let irq = step(quiescing, Event::Interrupt { ends_program: true });
    let wait = format!(
        "wait ≤ 3 s for an interruption;\nthe work item feeds its IRB: {}",
        irq.actions
    );
    let _ = writeln!(
        out,
        "\tsubgraph cluster_quiesce {{\n\tlabel=\"quiesce (src/channel/quiesce.rs): CANCEL once, HALT ≤ {MAX_HALTS}, CLEAR ≤ {MAX_CLEARS}, then give up\";\n\tstyle=dashed;"
    );
    for (s, text) in [
        (QuiesceStep::TryDisable, "disable the subchannel"),
        (QuiesceStep::Cancel, "CANCEL SUBCHANNEL"),
        (QuiesceStep::Halt, "HALT SUBCHANNEL"),
        (QuiesceStep::Clear, "CLEAR SUBCHANNEL"),
        (QuiesceStep::Wait, &wait),
        (QuiesceStep::Done(Ok(())), "done: disabled"),
        (QuiesceStep::Done(Err(Error::Io)), "done: not disabled"),
    ] {
        kernel(&mut out, qnode(s), text);
    }
    for (from, to, labels) in quiesce_edges() {
        let _ = writeln!(
            out,
            "\t{} -> {} [label={}];",
            qnode(from),
            qnode(to),
            quote(&answer_list(&labels))
        );
    }
    out += "\t}\n";
    for (done, disabled) in [("q_done_ok", true), ("q_done_err", false)] {
        let id = if disabled {
            "quiesced_ok"
        } else {
            "quiesced_err"
        };
        let (last, next) = feed(
            &mut out,
            id,
            done,
            done,
            quiescing,
            Event::Quiesced { disabled },
        );
        if next == State::Standby {
            kernel(
                &mut out,
                "reopen",
                "a close ends here;\na reset opens again",
            );
            let _ = writeln!(out, "\t{last} -> reopen;");
            feed(&mut out, "open", "reopen", "reopen", next, Event::Open);
        }
    }
    out += "}\n";
    out
}
