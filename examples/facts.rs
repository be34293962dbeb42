fn main() {
    let inv = auditgraph::source::FixtureProvider::new("fixtures/demo").collect_sourced().unwrap();
    let g = auditgraph::graph::AssetGraph::from_inventories(inv);
    let f = auditgraph::analysis::Facts::derive(&g);
    for (to, rs) in &f.from_internet {
        for r in rs { println!("INTERNET {} :: {}", g.asset(to).unwrap().name, r.evidence().summary); }
    }
    for (to, rs) in &f.via_exposed_host {
        for r in rs { println!("PIVOT {} :: {}", g.asset(to).unwrap().name, r.evidence().summary); for h in &r.hops { println!("   {} -> {} [{}] {:?}", h.from, h.to, h.ports, h.rules); } }
    }
    for (id, v) in &f.access.public { println!("PUBLIC {id} {v:?}"); }
    for (id, v) in &f.access.admins { println!("ADMIN {id} {v:?}"); }
    for (id, v) in &f.access.untrusted_assumers { println!("TRUST {id} {v:?}"); }
}
