//! `lean_client::runtime::Deadlines`, one timer for every exchange's timeout, in virtual time:
//! a quick exchange ends with its output, a slow one at its deadline to the instant, a timer
//! armed far away is kept for later exchanges and moved nearer when a nearer deadline comes, and
//! every exchange leaves the list when it ends or is dropped.

use lean_client::runtime::{Deadlines, Elapsed, Runtime};
use lean_sim::executor::{RunEnd, Sim};
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// An exchange that answers `v` after `after` of virtual time.
fn answers_after<R: Runtime>(
    rt: &R,
    after: Duration,
    v: u32,
) -> impl Future<Output = u32> + use<R> {
    let timer = rt.timer(rt.now() + after);
    async move {
        timer.await;
        v
    }
}

#[test]
fn quick_exchanges_end_slow_ones_time_out_at_their_deadline() {
    let epoch = Instant::now();
    let sim = Sim::new(epoch);
    let rt = sim.runtime();
    let deadlines = Arc::new(Deadlines::new(rt.clone()));
    let (d, r) = (deadlines.clone(), rt.clone());
    let quick = sim.spawn(async move {
        let exchange = std::pin::pin!(answers_after(&r, secs(2), 7));
        let out = d.within(epoch + secs(30), exchange).await;
        (out, r.now())
    });
    let (d, r) = (deadlines.clone(), rt.clone());
    let slow = sim.spawn(async move {
        let exchange = std::pin::pin!(answers_after(&r, secs(60), 8));
        let out = d.within(epoch + secs(5), exchange).await;
        (out, r.now())
    });
    assert_eq!(
        sim.run(epoch + secs(3600), 10_000, |_| None),
        RunEnd::Finished
    );
    assert_eq!(quick.take(), Some((Ok(7), epoch + secs(2))));
    assert_eq!(
        slow.take(),
        Some((Err(Elapsed), epoch + secs(5))),
        "at the deadline, exactly"
    );
    assert_eq!(deadlines.in_flight(), 0, "entries leave the list");
}

#[test]
fn a_far_timer_is_kept_for_later_exchanges_and_moved_for_a_nearer_one() {
    let epoch = Instant::now();
    let sim = Sim::new(epoch);
    let rt = sim.runtime();
    let deadlines = Deadlines::new(rt.clone());
    let mut cx = Context::from_waker(Waker::noop());
    let far = epoch + secs(30);
    {
        let mut never = std::pin::pin!(std::future::pending::<()>());
        let mut a = std::pin::pin!(deadlines.within(far, never.as_mut()));
        assert!(a.as_mut().poll(&mut cx).is_pending());
        assert_eq!(deadlines.armed_at(), Some(far));
        assert_eq!(deadlines.in_flight(), 1);
    }
    assert_eq!(
        deadlines.in_flight(),
        0,
        "a dropped exchange leaves the list"
    );
    {
        // A later deadline shares the timer armed for the earlier one.
        let mut never = std::pin::pin!(std::future::pending::<()>());
        let mut b = std::pin::pin!(deadlines.within(far + secs(1), never.as_mut()));
        assert!(b.as_mut().poll(&mut cx).is_pending());
        assert_eq!(deadlines.armed_at(), Some(far), "reused, not re-armed");
        // A nearer one moves it at once: nobody waits for the far timer.
        let soon = epoch + secs(1);
        let mut also_never = std::pin::pin!(std::future::pending::<()>());
        let mut c = std::pin::pin!(deadlines.within(soon, also_never.as_mut()));
        assert!(c.as_mut().poll(&mut cx).is_pending());
        assert_eq!(deadlines.armed_at(), Some(soon));
    }
}

#[test]
fn a_timer_armed_for_an_exchange_that_ended_fires_and_is_re_armed_for_the_rest() {
    let epoch = Instant::now();
    let sim = Sim::new(epoch);
    let rt = sim.runtime();
    let deadlines = Arc::new(Deadlines::new(rt.clone()));
    // The first arms the timer for 5 s and ends at 1 s; the timer is kept (armed early).
    let (d, r) = (deadlines.clone(), rt.clone());
    let first = sim.spawn(async move {
        let exchange = std::pin::pin!(answers_after(&r, secs(1), 1));
        d.within(epoch + secs(5), exchange).await
    });
    // The second, filed while the timer is armed for 5 s, is polled again and again by its
    // exchange (one ticking every 0.7 s, never at 10 s) and must still end at its own
    // deadline, 10 s, to the instant: only a re-armed timer can wake it then.
    let (d, r) = (deadlines.clone(), rt.clone());
    let second = sim.spawn(async move {
        let ticking = async {
            for _ in 0..100 {
                answers_after(&r, Duration::from_millis(700), 0).await;
            }
            2
        };
        let out = d.within(epoch + secs(10), std::pin::pin!(ticking)).await;
        (out, r.now())
    });
    assert_eq!(
        sim.run(epoch + secs(3600), 10_000, |_| None),
        RunEnd::Finished
    );
    assert_eq!(first.take(), Some(Ok(1)));
    assert_eq!(second.take(), Some((Err(Elapsed), epoch + secs(10))));
    assert_eq!(
        deadlines.armed_at(),
        Some(epoch + secs(10)),
        "the fired timer was re-armed for the deadline left"
    );
    assert_eq!(deadlines.in_flight(), 0);
}
