//! The conversation service's rules (spec §5.2), natively. Python's tests
//! compare the same service through the component with styrened's path
//! (SQLAlchemy on the 0.18.0 models) on generated workloads.

use styrene_store::messages::{ConversationService, Draft, MessageStore, SearchOutcome};

const LOCAL: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const BOB: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const CAROL: &str = "cccccccccccccccccccccccccccccccc";

fn service() -> ConversationService {
    ConversationService::new(MessageStore::open_in_memory().unwrap(), LOCAL).unwrap()
}

fn draft(peer: &str, content: &str, timestamp: f64) -> Draft {
    Draft { peer: peer.into(), content: content.into(), timestamp, ..Draft::default() }
}

fn found(outcome: SearchOutcome) -> Vec<String> {
    match outcome {
        SearchOutcome::Found(messages) => messages.into_iter().map(|m| m.content.unwrap()).collect(),
        SearchOutcome::InvalidQuery(why) => panic!("not a valid query: {why}"),
    }
}

#[test]
fn history_is_the_newest_page_oldest_first() {
    let mut s = service();
    for i in 0..5 {
        s.save_incoming(&draft(BOB, &format!("in {i}"), 10.0 + f64::from(i))).unwrap();
        s.save_outgoing(&draft(BOB, &format!("out {i}"), 10.5 + f64::from(i)), 0.0).unwrap();
    }
    s.save_incoming(&draft(CAROL, "other", 100.0)).unwrap();
    let page = s.get_messages(&[BOB.into()], 3, None, None).unwrap();
    let texts: Vec<_> = page.iter().map(|m| m.content.clone().unwrap()).collect();
    assert_eq!(texts, ["out 3", "in 4", "out 4"]);
    let before = s.get_messages(&[BOB.into()], 2, Some(12.0), None).unwrap();
    assert_eq!(before.iter().map(|m| m.timestamp).collect::<Vec<_>>(), [11.0, 11.5]);
    // a before that is not a finite number >= 0 is ignored, as styrened ignores it
    for ignored in [f64::NAN, f64::INFINITY, -1.0] {
        assert_eq!(s.get_messages(&[BOB.into()], 3, Some(ignored), None).unwrap(), page);
    }
    let received = s.get_messages(&[BOB.into()], 50, None, Some("received")).unwrap();
    assert_eq!(received.len(), 5);
    assert!(received.iter().all(|m| m.source_hash == BOB && m.destination_hash == LOCAL));
}

#[test]
fn conversations_unread_counts_and_reads() {
    let mut s = service();
    s.save_incoming(&draft(BOB, "hello", 1.0)).unwrap();
    s.save_incoming(&draft(BOB, &"x".repeat(150), 2.0)).unwrap();
    s.save_outgoing(&draft(CAROL, "hi carol", 3.0), 0.0).unwrap();
    assert_eq!((s.unread_count(BOB), s.total_unread()), (2, 2));
    let list = s.list_conversations().unwrap();
    assert_eq!(list.iter().map(|c| c.peer_hash.as_str()).collect::<Vec<_>>(), [CAROL, BOB]);
    assert_eq!(list[1].last_message_preview.as_deref().map(str::len), Some(100));
    assert_eq!((list[0].last_message_outgoing, list[1].message_count), (Some(true), 2));
    assert_eq!(s.get_conversation(BOB).unwrap().unwrap(), list[1]);
    assert_eq!(s.get_conversation("dddddddddddddddddddddddddddddddd").unwrap(), None);
    assert_eq!(s.mark_read(&[BOB.into()]).unwrap(), 2);
    assert_eq!(s.total_unread(), 0);
    // the counts come back from the database as styrened's initialize() reads them
    s.save_incoming(&draft(BOB, "again", 4.0)).unwrap();
    s.clear_caches();
    assert_eq!(s.unread_count(BOB), 0);
    s.load_unread_counts().unwrap();
    assert_eq!(s.unread_count(BOB), 1);
}

#[test]
fn search_is_fts5_over_chat_messages() {
    let mut s = service();
    s.save_incoming(&draft(BOB, "the quick brown fox", 1.0)).unwrap();
    s.save_incoming(&draft(CAROL, "a quicker fox", 2.0)).unwrap();
    s.save_outgoing(&Draft { title: Some("brown paper".into()), ..draft(BOB, "parcel", 3.0) }, 0.0).unwrap();
    assert_eq!(found(s.search_messages("fox", None, 50).unwrap()), ["a quicker fox", "the quick brown fox"]);
    assert_eq!(found(s.search_messages("quick*", None, 50).unwrap()).len(), 2);
    assert_eq!(found(s.search_messages("\"brown fox\"", None, 50).unwrap()), ["the quick brown fox"]);
    assert_eq!(found(s.search_messages("brown", Some(BOB), 1).unwrap()), ["parcel"]);
    for bad in ["fox AND", "nosuchcolumn:fox", "(", "NEAR(fox"] {
        assert!(matches!(s.search_messages(bad, None, 50).unwrap(), SearchOutcome::InvalidQuery(_)), "{bad}");
    }
    // SQLite errors without the words styrened looks for are errors, as they are there
    for failing in ["\"unclosed", "*"] {
        assert!(s.search_messages(failing, None, 50).is_err(), "{failing}");
    }
}

#[test]
fn deliveries_retries_and_receipts() {
    let mut s = service();
    let id = s
        .save_outgoing(&Draft { lxmf_hash: Some(vec![1; 32]), ..draft(BOB, "tracked", 1.0) }, 100.0)
        .unwrap();
    assert_eq!(s.settle_delivery(&[1; 32], "failed").unwrap(), Some(id));
    assert_eq!(s.settle_delivery(&[1; 32], "delivered").unwrap(), None, "a tracker settles once");
    assert_eq!(s.failed_messages(None).unwrap().len(), 1);
    let retry = s.prepare_retry(id).unwrap().unwrap();
    assert_eq!(
        (retry.destination_hash.as_str(), retry.content.as_str(), retry.fields.as_str()),
        (BOB, "tracked", "{}")
    );
    assert_eq!(s.prepare_retry(id).unwrap(), None, "only a failed message is retried");
    s.register_delivery(id, &[2; 32], 100.0);
    assert_eq!(s.cleanup_stale_deliveries(10.0, 200.0), [id]);

    let hash = "01".repeat(32);
    assert!(s.mark_read_by_recipient(&hash, 5.0).unwrap());
    assert!(!s.mark_read_by_recipient(&hash, 6.0).unwrap(), "already read");
    let incoming = Draft { lxmf_hash: Some(vec![3; 32]), ..draft(BOB, "read me", 2.0) };
    s.save_incoming(&incoming).unwrap();
    assert!(s.unread_hashes_for_receipt(BOB).unwrap().is_empty());
    s.mark_read(&[BOB.into()]).unwrap();
    let hashes = s.unread_hashes_for_receipt(BOB).unwrap();
    assert_eq!(hashes, ["03".repeat(32)]);
    assert_eq!(s.mark_receipts_sent(&hashes).unwrap(), 1);
    assert!(s.unread_hashes_for_receipt(BOB).unwrap().is_empty());
}

#[test]
fn deletes_keep_the_unread_counts_right() {
    let mut s = service();
    let first = s
        .save_incoming(&Draft { attachment_path: Some("bb/1_a.png".into()), ..draft(BOB, "a", 1.0) })
        .unwrap();
    s.save_incoming(&draft(BOB, "b", 2.0)).unwrap();
    assert_eq!(s.delete_message(first).unwrap(), Some(Some("bb/1_a.png".into())));
    assert_eq!(s.delete_message(first).unwrap(), None);
    assert_eq!(s.unread_count(BOB), 1);
    assert_eq!(s.delete_conversation(&[BOB.into(), CAROL.into()]).unwrap(), 1);
    assert_eq!(s.total_unread(), 0);
    assert!(s.store().integrity_ok().unwrap());
}
