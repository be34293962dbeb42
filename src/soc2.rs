//! The SOC 2 trust services criteria that infrastructure evidence speaks to: the ids
//! controls may map to, and what each is about.

pub const CRITERIA: &[(&str, &str)] = &[
    ("CC6.1", "logical access security over information assets (access control, encryption at rest, key management)"),
    ("CC6.2", "registering and authorising users before access; removing access"),
    ("CC6.3", "role-based access, least privilege, segregation of duties"),
    ("CC6.6", "protection against threats from outside the system boundary (exposure, boundary protection)"),
    ("CC6.7", "restricting transmission and movement of data (encryption in transit)"),
    ("CC6.8", "preventing unauthorised or malicious software"),
    ("CC7.1", "detecting configuration changes and vulnerabilities"),
    ("CC7.2", "monitoring system components for anomalies (logging, audit trails)"),
    ("CC8.1", "change management"),
    ("A1.2", "backups and recovery infrastructure"),
    ("C1.1", "identifying and protecting confidential information"),
];

pub fn is_criterion(id: &str) -> bool {
    CRITERIA.iter().any(|(c, _)| *c == id)
}
