//! rampart-live's typed replies: arbitrary server text (INFO, CLIENT LIST,
//! CLUSTER NODES) must parse without a panic, and every accessor must hold.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_live::reply::{ClientList, ClusterNodes, Info};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let info = Info::parse(&text);
    let _ = (info.replicas(), info.master(), info.to_map(), info.role());
    for e in ClientList::parse(&text).entries {
        let _ = (e.id(), e.name(), e.user(), e.flags(), e.age(), e.addr());
    }
    let nodes = ClusterNodes::parse(&text);
    let _ = nodes.ids();
    for n in nodes.nodes {
        let _ = (n.noaddr(), n.handshake(), n.failing(), n.is_master());
    }
});
