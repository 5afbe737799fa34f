//! Paging through a collection with the core: every page of data, of results after a
//! PENDING answer, a cursor's walk, and a server whose page number does not advance.

mod common;

use common::fake_lean::*;
use common::{epoch, secs};
use lean_proto::call::{Call, CallConfig};
use lean_proto::*;

fn read_all_pages(
    lean: &mut FakeLean,
    pager: &mut lean_proto::pager::Pager<Page<Account>>,
) -> (Vec<String>, Vec<String>) {
    let mut shared = Shared::new();
    let mut names = Vec::new();
    let mut owners = Vec::new();
    let mut guard = 0;
    while let Some(mut call) = pager.next_call(base(), CallConfig::default(), lean.now) {
        guard += 1;
        assert!(guard < 50);
        let run = drive(&mut call, lean, &mut shared);
        let data = run.outcome.unwrap();
        for item in &data.payload.items {
            names.push(item.nickname.clone().unwrap());
            owners.push(item.description.clone().unwrap());
        }
        pager.handle_page(&data);
    }
    (names, owners)
}

#[test]
fn paging_through_every_page_of_data() {
    let mut lean = FakeLean::new(epoch());
    lean.total_items = 7;
    let mut endpoint = GetAccounts::new(entity());
    endpoint.options.size = Some(3);
    let mut pager = lean_proto::pager::Pager::new(endpoint);
    let (names, _) = read_all_pages(&mut lean, &mut pager);
    assert_eq!(
        names,
        (0..7).map(|n| format!("item-{n}")).collect::<Vec<_>>()
    );
    assert_eq!(lean.jobs.len(), 3, "one request per page");
    assert_eq!(pager.next_page(), None);
}

#[test]
fn paging_through_results_after_pending_never_asks_the_bank_again() {
    let mut lean = FakeLean::new(epoch());
    lean.total_items = 5;
    lean.bank_latency = [secs(70)].into();
    let mut endpoint = GetAccounts::new(entity());
    endpoint.options.size = Some(2);
    let mut pager = lean_proto::pager::Pager::new(endpoint);
    let (names, owners) = read_all_pages(&mut lean, &mut pager);
    assert_eq!(
        names,
        (0..5).map(|n| format!("item-{n}")).collect::<Vec<_>>()
    );
    assert_eq!(
        lean.jobs.len(),
        1,
        "pages 1 and 2 came from the same results"
    );
    let id = lean.jobs[0].results_id.to_string();
    assert!(owners.iter().all(|o| *o == id));
    assert_eq!(pager.results_id().map(|r| r.to_string()), Some(id));
}

#[test]
fn submit_stops_at_pending_and_hands_out_the_results_id() {
    let mut lean = FakeLean::new(epoch());
    let shared = Shared::new();
    let mut call = Call::submit(
        GetAccounts::new(entity()),
        base(),
        CallConfig::default(),
        lean.now,
    );
    let mut guard = 0;
    let id = loop {
        guard += 1;
        assert!(guard < 20);
        if let Some(id) = call.hand_over(&shared.ctx()) {
            break id;
        }
        let tx = call
            .poll_transmit(lean.now, &shared.ctx())
            .expect("a request");
        let Served::Answer(_, resp) = lean.serve(&tx.request) else {
            panic!("no fault was scripted")
        };
        call.handle_response(tx.id, resp, lean.now, &shared.ctx());
    };
    assert!(call.is_done());
    assert!(call.poll_outcome().is_none());
    assert_eq!(lean.pending_given.len(), 1);
    assert_eq!(lean.pending_given[0], id.results_id);
    // The handle restores the request: its generation, endpoint, page and page size.
    assert_eq!(id.generation, Some(ApiGeneration::V2));
    assert_eq!(id.endpoint.as_deref(), Some("accounts"));
    assert_eq!(shared.results.waiting(), 0, "nobody waits after a submit");
}

#[test]
fn the_endpoints_own_async_flag_is_kept() {
    let mut lean = FakeLean::new(epoch());
    let mut shared = Shared::new();
    let mut endpoint = GetAccounts::new(entity());
    endpoint.options.asynchronous = true;
    let mut call = call_for(endpoint, lean.now);
    let r = drive(&mut call, &mut lean, &mut shared);
    assert_eq!(r.transcript[1], "send data async");
}

#[test]
fn cursor_reads_every_item_and_stops_after_a_failed_page() {
    use lean_proto::pager::{Cursor, Next};
    let mut lean = FakeLean::new(epoch());
    lean.total_items = 7;
    let mut shared = Shared::new();
    let mut endpoint = GetAccounts::new(entity());
    endpoint.options.size = Some(3);
    let mut cursor = Cursor::new(endpoint.clone());
    let mut names = Vec::new();
    for _ in 0..50 {
        match cursor.next(base(), CallConfig::default(), lean.now) {
            Next::Item(a) => names.push(a.nickname.unwrap()),
            Next::Fetch(mut call) => {
                cursor.handle_page(drive(&mut call, &mut lean, &mut shared).outcome.unwrap())
            }
            Next::Done => break,
        }
    }
    assert_eq!(
        names,
        (0..7).map(|n| format!("item-{n}")).collect::<Vec<_>>()
    );
    // A failed page ends the cursor instead of skipping to the next page.
    let mut cursor = Cursor::new(endpoint);
    assert!(matches!(
        cursor.next(base(), CallConfig::default(), lean.now),
        Next::Fetch(_)
    ));
    cursor.fail();
    assert!(matches!(
        cursor.next(base(), CallConfig::default(), lean.now),
        Next::Done
    ));
}

#[test]
fn a_page_number_that_does_not_advance_ends_the_walk() {
    // A server that keeps answering "page 0 of 1000".
    let stuck = r#"{"status":"OK","results_id":"00000000-0000-4000-8000-000000000001","message":"ok","timestamp":"2026-01-01T00:00:00Z","type":"accounts","data":{"type":"accounts","accounts":[{"account_id":"fe672591-bc88-4cec-96e7-9101bde496ce","name":"A","currency_code":"AED","type":"CURRENT"}],"page":{"number":0,"size":1,"total_elements":1000,"total_pages":1000}}}"#;
    let shared = Shared::new();
    let mut cursor = lean_proto::pager::Cursor::new(GetAccounts::new(entity()));
    let mut items = 0;
    let mut fetches = 0;
    loop {
        match cursor.next(base(), CallConfig::default(), epoch()) {
            lean_proto::pager::Next::Item(_) => items += 1,
            lean_proto::pager::Next::Done => break,
            lean_proto::pager::Next::Fetch(mut call) => {
                fetches += 1;
                assert!(
                    fetches <= 3,
                    "the pager loops on a page number that does not advance"
                );
                let page = step_through(&mut call, &shared, |_| json(200, stuck)).unwrap();
                cursor.handle_page(page);
            }
        }
    }
    assert_eq!(
        (fetches, items),
        (2, 2),
        "page 0, then page 1 answered as page 0: stop"
    );
}
