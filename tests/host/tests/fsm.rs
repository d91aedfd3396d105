// SPDX-License-Identifier: GPL-2.0

//! The state machine: every cell against Documentation/fsm.md, the
//! invariants on every cell and every failure path, the driver `run`, the
//! quiesce procedure's bound, and the history tests §B.11–§B.17 that concern
//! the state machine.

use std::collections::VecDeque;

use vfio_ccw_channel::channel::error::Error;
use vfio_ccw_channel::channel::fsm::{
    clear_result, halt_result, run, start_result, step, Action, AsyncCommand, Event, Executor,
    IoRequest, State,
};
use vfio_ccw_channel::channel::quiesce::{
    Quiesce, QuiesceInput, QuiesceStep, MAX_CLEARS, MAX_HALTS, MAX_STEPS,
};
use vfio_ccw_channel::channel::region::{classify_io_request, CmdRegion, IoRegion};
use vfio_ccw_channel::channel::scsw::{
    ACTL_CLEAR_PEND, ACTL_HALT_PEND, FCTL_CLEAR, FCTL_HALT, FCTL_START,
};

const DOC: &str = include_str!("../../../Documentation/fsm.md");

/// The table as Documentation/fsm.md shows it, rendered from `step`.
fn rendered_table() -> String {
    let mut out = String::from("| event \\ state |");
    for s in State::ALL {
        out += &format!(" {} |", s.name());
    }
    out += "\n|---|";
    for _ in State::ALL {
        out += "---|";
    }
    out += "\n";
    for e in Event::ALL {
        out += &format!("| {e} |");
        for s in State::ALL {
            out += &format!(" {} |", step(s, e));
        }
        out += "\n";
    }
    out
}

/// Every cell of Documentation/fsm.md is what `step` returns.
#[test]
fn table_matches_documentation() {
    let table = rendered_table();
    assert!(
        DOC.contains(&table),
        "Documentation/fsm.md is out of date; the table is:\n\n{table}"
    );
}

fn holds_program(s: State) -> bool {
    matches!(s, State::Busy | State::Quiescing)
}

/// Simulates the program's existence through a list of actions.
fn simulate(mut held: bool, actions: &[Action]) -> bool {
    for a in actions {
        match a {
            Action::Translate => {
                assert!(!held, "Translate while a program is held");
                held = true;
            }
            Action::FreeProgram => held = false,
            _ => {}
        }
    }
    held
}

/// Invariants on every cell, success and every failure point:
/// a program exists only in Busy/Quiescing, Busy always has one, it is
/// freed when those states are left, and only there.
#[test]
fn every_cell_keeps_the_program_invariant() {
    for s in State::ALL {
        for e in Event::ALL {
            let t = step(s, e);
            // Busy/Quiescing may hold a program (Quiescing from Idle does not).
            let start = holds_program(s);
            let acts = t.actions.as_slice();
            let end = simulate(start, acts);
            assert!(
                !end || holds_program(t.next),
                "{s:?} {e}: program kept into {:?}",
                t.next
            );
            if t.next == State::Busy {
                assert!(end || s == State::Busy, "{s:?} {e}: Busy without a program");
            }
            if start && !holds_program(t.next) {
                assert!(acts.contains(&Action::FreeProgram), "{s:?} {e}: leak");
            }
            if !start {
                assert!(
                    !acts.contains(&Action::FreeProgram) || acts.contains(&Action::Translate),
                    "{s:?} {e}: frees a program it cannot hold"
                );
            }
            // Every failure point.
            for (k, a) in acts.iter().enumerate() {
                if !a.can_fail() {
                    continue;
                }
                let before = simulate(start, &acts[..k]);
                let after = simulate(before, t.on_error.actions.as_slice());
                assert!(
                    !after || holds_program(t.on_error.next),
                    "{s:?} {e}: failure of {a:?} keeps a program into {:?}",
                    t.on_error.next
                );
                if t.on_error.next == State::Busy {
                    assert!(after, "{s:?} {e}: failure into Busy without a program");
                }
            }
        }
    }
}

/// The C races are impossible by construction.
#[test]
fn interrupts_free_only_the_program_they_end() {
    for s in State::ALL {
        for ends_program in [false, true] {
            let t = step(s, Event::Interrupt { ends_program });
            let frees = t.actions.as_slice().contains(&Action::FreeProgram);
            // Don't free channel programs for unrelated interrupts.
            assert_eq!(
                frees,
                s == State::Busy && ends_program,
                "{s:?} {ends_program}"
            );
            // Serialize FSM IDLE state with I/O completion.
            if t.next == State::Idle && s != State::Idle {
                assert!(frees);
            }
        }
    }
    // Idle is entered from Busy only by the interrupt that ends the program,
    // or when its start failed (fallback).
    for e in Event::ALL {
        let t = step(State::Busy, e);
        if t.next == State::Idle {
            assert_eq!(e, Event::Interrupt { ends_program: true });
        }
        assert_ne!(t.on_error.next, State::Idle, "{e}");
    }
}

/// No cell translates outside Idle, and a START in any other state is
/// rejected with the C driver's errno.
#[test]
fn start_only_from_idle() {
    for s in State::ALL {
        for e in Event::ALL {
            if step(s, e).actions.as_slice().contains(&Action::Translate) {
                assert_eq!((s, e), (State::Idle, Event::IoRequest(IoRequest::Start)));
            }
        }
    }
    let start = Event::IoRequest(IoRequest::Start);
    let errno = |s| match step(s, start).actions.as_slice() {
        [Action::Reject(e)] => Some(*e),
        _ => None,
    };
    assert_eq!(errno(State::NotOper), Some(Error::Io));
    assert_eq!(errno(State::Standby), Some(Error::Io));
    assert_eq!(errno(State::Busy), Some(Error::Busy));
    assert_eq!(errno(State::Quiescing), Some(Error::Busy));
}

/// A deterministic pseudo-random generator (xorshift64).
fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// A scripted kernel layer.
#[derive(Default)]
struct Script {
    log: Vec<Action>,
    fail: Vec<(Action, Error)>,
    program: bool,
    frees: usize,
}

impl Executor for Script {
    fn execute(&mut self, action: Action) -> Result<(), Error> {
        self.log.push(action);
        if let Some(i) = self.fail.iter().position(|(a, _)| *a == action) {
            let (_, e) = self.fail.remove(i);
            return Err(e);
        }
        match action {
            Action::Translate => {
                assert!(!self.program);
                self.program = true;
            }
            Action::FreeProgram => {
                if self.program {
                    self.frees += 1;
                }
                self.program = false;
            }
            _ => {}
        }
        Ok(())
    }
}

/// `run`: success, a failing START (§B.13: cc 1 → EBUSY), an open that
/// fails, and rejections.
#[test]
fn run_executes_cells() {
    let mut x = Script::default();
    let mut s = State::Standby;
    assert_eq!(run(&mut s, Event::Open, &mut x), Ok(()));
    assert_eq!(s, State::Idle);
    x.fail.push((Action::StartSubchannel, Error::Busy));
    assert_eq!(
        run(&mut s, Event::IoRequest(IoRequest::Start), &mut x),
        Err(Error::Busy)
    );
    assert_eq!(s, State::Idle);
    assert!(!x.program);
    assert_eq!(
        run(&mut s, Event::IoRequest(IoRequest::Start), &mut x),
        Ok(())
    );
    assert_eq!(s, State::Busy);
    // §B.13: a second START before the final interrupt → EBUSY.
    assert_eq!(
        run(&mut s, Event::IoRequest(IoRequest::Start), &mut x),
        Err(Error::Busy)
    );
    assert_eq!(
        run(
            &mut s,
            Event::Interrupt {
                ends_program: false
            },
            &mut x
        ),
        Ok(())
    );
    assert_eq!(s, State::Busy);
    assert!(x.program);
    assert_eq!(
        run(&mut s, Event::Interrupt { ends_program: true }, &mut x),
        Ok(())
    );
    assert_eq!(s, State::Idle);
    assert!(!x.program);
    assert_eq!(x.frees, 2); // the failed START freed its program too

    let mut s = State::Standby;
    let mut x = Script::default();
    x.fail.push((Action::Enable, Error::NoDev));
    assert_eq!(run(&mut s, Event::Open, &mut x), Err(Error::Inval));
    assert_eq!(s, State::NotOper);
    assert_eq!(x.log, [Action::Enable, Action::Unregister]);
}

/// §B.13: START after a CSCH whose interruption is still queued: the
/// queued IRB is fed first (contract), in Idle it frees nothing, and the
/// new program survives until its own final interruption.
#[test]
fn clear_then_start_race() {
    let mut x = Script::default();
    let mut s = State::Idle;
    run(&mut s, Event::AsyncRequest(AsyncCommand::Clear), &mut x).unwrap();
    assert_eq!(s, State::Idle);
    // The clear's IRB (solicited, final) arrives before the START.
    run(&mut s, Event::Interrupt { ends_program: true }, &mut x).unwrap();
    assert_eq!(x.frees, 0);
    run(&mut s, Event::IoRequest(IoRequest::Start), &mut x).unwrap();
    assert!(x.program);
    assert_eq!(s, State::Busy);
    // Halt/clear of the running program: its final IRB ends the program.
    run(&mut s, Event::AsyncRequest(AsyncCommand::Halt), &mut x).unwrap();
    assert_eq!(s, State::Busy);
    run(&mut s, Event::Interrupt { ends_program: true }, &mut x).unwrap();
    assert_eq!(s, State::Idle);
    assert_eq!(x.frees, 1);
}

/// §B.11: transport mode and halt/clear on the I/O region → EOPNOTSUPP;
/// async commands 0, 3, 4 → EINVAL; none of them changes the state.
#[test]
fn bad_requests() {
    let mut io = IoRegion::default();
    io.bytes[12..16].copy_from_slice(&((u32::from(FCTL_START)) << 12).to_be_bytes());
    assert_eq!(io.request(), IoRequest::Start);
    io.bytes[4..8].copy_from_slice(&0x0004_0000u32.to_be_bytes());
    assert_eq!(io.request(), IoRequest::StartTransportMode);
    for f in [FCTL_HALT, FCTL_CLEAR] {
        io.bytes[12..16].copy_from_slice(&((u32::from(f)) << 12).to_be_bytes());
        assert_eq!(io.request(), IoRequest::HaltOrClear);
    }
    io.bytes[12..16].copy_from_slice(&[0; 4]);
    assert_eq!(io.request(), IoRequest::NoFunction);
    assert_eq!(
        classify_io_request(&io.orb(), &io.scsw()),
        IoRequest::NoFunction
    );

    let mut x = Script::default();
    for r in [IoRequest::StartTransportMode, IoRequest::HaltOrClear] {
        let mut s = State::Idle;
        assert_eq!(
            run(&mut s, Event::IoRequest(r), &mut x),
            Err(Error::OpNotSupp)
        );
        assert_eq!(s, State::Idle);
    }
    for cmd in [0u32, 3, 4] {
        let mut r = CmdRegion::default();
        r.bytes[..4].copy_from_slice(&cmd.to_be_bytes());
        assert_eq!(r.async_command(), AsyncCommand::Invalid);
        for mut s in [State::Idle, State::Busy] {
            let before = s;
            assert_eq!(
                run(&mut s, Event::AsyncRequest(r.async_command()), &mut x),
                Err(Error::Inval)
            );
            assert_eq!(s, before);
        }
    }
    assert!(x.log.is_empty());
}

/// Condition-code mapping of START/HALT/CLEAR (C fsm_io_helper,
/// fsm_do_halt, fsm_do_clear).
#[test]
fn condition_codes() {
    let mut lpm = 0xc0;
    assert_eq!(start_result(0, 0x80, &mut lpm, || true), Ok(()));
    assert_eq!(start_result(1, 0x80, &mut lpm, || true), Err(Error::Busy));
    assert_eq!(start_result(2, 0x80, &mut lpm, || true), Err(Error::Busy));
    assert_eq!(start_result(3, 0x80, &mut lpm, || true), Err(Error::Access));
    assert_eq!(lpm, 0x40);
    assert_eq!(start_result(3, 0x40, &mut lpm, || true), Err(Error::NoDev));
    let mut lpm = 0xc0;
    assert_eq!(start_result(3, 0x80, &mut lpm, || false), Err(Error::NoDev));
    let mut lpm = 0xc0;
    assert_eq!(start_result(3, 0, &mut lpm, || true), Err(Error::NoDev));
    assert_eq!(lpm, 0);
    assert_eq!(halt_result(0), Ok(()));
    assert_eq!(halt_result(1), Err(Error::Busy));
    assert_eq!(halt_result(2), Err(Error::Busy));
    assert_eq!(halt_result(3), Err(Error::NoDev));
    assert_eq!(clear_result(0), Ok(()));
    assert_eq!(clear_result(3), Err(Error::NoDev));
}

/// §B.14: whatever the hardware answers, the quiesce ends within
/// MAX_STEPS with at most 1 cancel, 3 halts and 255 clears.
#[test]
fn quiesce_is_bounded() {
    // Adversarial: the subchannel stays busy forever.
    let mut q = Quiesce::new();
    let mut input = QuiesceInput::Begin;
    let (mut cancels, mut halts, mut clears, mut steps) = (0, 0, 0, 0u32);
    let result = loop {
        steps += 1;
        input = match q.next(input) {
            QuiesceStep::TryDisable => QuiesceInput::Disabled {
                result: Err(Error::Busy),
                actl: 0,
            },
            QuiesceStep::Cancel => {
                cancels += 1;
                QuiesceInput::Issued { cc: 2 }
            }
            QuiesceStep::Halt => {
                halts += 1;
                QuiesceInput::Issued { cc: 0 }
            }
            QuiesceStep::Clear => {
                clears += 1;
                QuiesceInput::Issued { cc: 0 }
            }
            QuiesceStep::Wait => QuiesceInput::Waited,
            QuiesceStep::Done(r) => break r,
        };
    };
    assert_eq!(result, Err(Error::Io));
    assert_eq!(
        (cancels, halts, clears),
        (1, u32::from(MAX_HALTS), u32::from(MAX_CLEARS))
    );
    assert!(steps <= u32::from(MAX_STEPS) + 1);
    assert_eq!(
        q.next(QuiesceInput::Waited),
        QuiesceStep::Done(Err(Error::Io))
    );

    // Random answers (deterministic generator): always ends in bounds.
    let mut rand = xorshift(0x1234_5678_9abc_def0u64);
    for _ in 0..2000 {
        let mut q = Quiesce::new();
        let mut input = QuiesceInput::Begin;
        let (mut halts, mut clears, mut cancels, mut steps) = (0u32, 0u32, 0u32, 0u32);
        loop {
            steps += 1;
            assert!(steps <= u32::from(MAX_STEPS) + 1);
            let r = rand();
            input = match q.next(input) {
                QuiesceStep::TryDisable => QuiesceInput::Disabled {
                    result: match r % 10 {
                        0 => Ok(()),
                        1 => Err(Error::NoDev),
                        _ => Err(Error::Busy),
                    },
                    actl: [0, ACTL_HALT_PEND, ACTL_CLEAR_PEND][(r >> 8) as usize % 3],
                },
                QuiesceStep::Cancel => {
                    cancels += 1;
                    QuiesceInput::Issued {
                        cc: (r >> 16) as u8 % 4,
                    }
                }
                QuiesceStep::Halt => {
                    halts += 1;
                    QuiesceInput::Issued {
                        cc: (r >> 16) as u8 % 4,
                    }
                }
                QuiesceStep::Clear => {
                    clears += 1;
                    QuiesceInput::Issued {
                        cc: (r >> 16) as u8 % 4,
                    }
                }
                QuiesceStep::Wait => QuiesceInput::Waited,
                QuiesceStep::Done(_) => break,
            };
        }
        assert!(cancels <= 1 && halts <= u32::from(MAX_HALTS) && clears <= u32::from(MAX_CLEARS));
    }
}

/// Quiesce of an idle subchannel: one disable.
#[test]
fn quiesce_idle() {
    let mut q = Quiesce::new();
    assert_eq!(q.next(QuiesceInput::Begin), QuiesceStep::TryDisable);
    assert_eq!(
        q.next(QuiesceInput::Disabled {
            result: Ok(()),
            actl: 0
        }),
        QuiesceStep::Done(Ok(()))
    );
}

/// §B.15/§B.16/§B.17: close or reset during I/O, dma_unmap reset, and
/// not-operational with a program: the program is freed exactly once and
/// the states are as documented.
#[test]
fn close_reset_notoper_during_io() {
    for (event, end) in [
        (Event::Close, State::Standby),
        (Event::Reset, State::Idle),
        (Event::NotOper, State::NotOper),
    ] {
        let mut x = Script::default();
        let mut s = State::Idle;
        run(&mut s, Event::IoRequest(IoRequest::Start), &mut x).unwrap();
        assert_eq!(s, State::Busy);
        run(&mut s, event, &mut x).unwrap();
        if s == State::Quiescing {
            assert_eq!(x.log.last(), Some(&Action::Quiesce));
            // START is refused during the quiesce; the guest's HALT and
            // CLEAR are issued (QEMU has no EBUSY answer for CLEAR);
            // interrupts are delivered.
            assert_eq!(
                run(&mut s, Event::IoRequest(IoRequest::Start), &mut x),
                Err(Error::Busy)
            );
            for (cmd, action) in [
                (AsyncCommand::Halt, Action::HaltSubchannel),
                (AsyncCommand::Clear, Action::ClearSubchannel),
            ] {
                run(&mut s, Event::AsyncRequest(cmd), &mut x).unwrap();
                assert_eq!(x.log.last(), Some(&action));
                assert_eq!(s, State::Quiescing);
            }
            run(&mut s, Event::Interrupt { ends_program: true }, &mut x).unwrap();
            assert_eq!(s, State::Quiescing);
            assert!(x.program);
            run(&mut s, Event::Quiesced { disabled: true }, &mut x).unwrap();
            assert_eq!(s, State::Standby);
            if event == Event::Reset {
                run(&mut s, Event::Open, &mut x).unwrap();
            }
        }
        assert_eq!(s, end, "{event}");
        assert!(!x.program);
        assert_eq!(x.frees, 1);
    }
}

/// An IRB queue drained in order (the contract): a random interleaving of
/// requests and interrupts never frees a program that did not end, and
/// never leaks one.
#[test]
fn random_event_sequences_keep_invariants() {
    let mut rand = xorshift(42u64);
    for _ in 0..500 {
        let mut x = Script::default();
        let mut s = State::Standby;
        let mut queue: VecDeque<Event> = VecDeque::new();
        for _ in 0..200 {
            let e = Event::ALL[rand() as usize % Event::ALL.len()];
            if let Event::Interrupt { .. } = e {
                queue.push_back(e);
                continue;
            }
            while let Some(irq) = queue.pop_front() {
                let _ = run(&mut s, irq, &mut x);
            }
            if rand().is_multiple_of(7) {
                let a = [Action::Translate, Action::StartSubchannel, Action::Enable]
                    [rand() as usize % 3];
                x.fail.push((a, Error::Busy));
            }
            let _ = run(&mut s, e, &mut x);
            x.fail.clear();
            assert_eq!(x.program, x.program && holds_program(s), "{s:?}");
            if s == State::Busy {
                assert!(x.program);
            }
        }
    }
}
