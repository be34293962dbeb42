//! What every scope's crawl shares: a bound on the work in flight (API calls for
//! AWS, projects for Google Cloud), counters of requests and gaps, and a progress
//! line on a terminal (quiet when output is not one).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::{Semaphore, SemaphorePermit};

#[derive(Debug)]
pub struct Budget {
    permits: Semaphore,
    requests: AtomicUsize,
    gaps: AtomicUsize,
    scopes: Counter,
    /// Parts of a scope the progress line counts too (AWS regions), if any.
    parts: Option<(&'static str, Counter)>,
    scope_noun: &'static str,
    progress: ProgressBar,
}

#[derive(Debug, Default)]
struct Counter {
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Counter {
    fn text(&self, noun: &str) -> String {
        format!("{}/{} {noun}", self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed))
    }
}

impl Budget {
    /// `concurrency` units of work at once (at least one) for a crawl of `cloud`
    /// over scopes called `scope_noun` (`accounts`), and parts called `part_noun`.
    pub fn new(
        cloud: &'static str,
        scope_noun: &'static str,
        part_noun: Option<&'static str>,
        concurrency: usize,
    ) -> Arc<Budget> {
        let progress = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let template = format!("{{spinner}} {cloud}: {{msg}} [{{elapsed}}]");
            bar.set_style(ProgressStyle::with_template(&template).expect("a valid template"));
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        } else {
            ProgressBar::hidden()
        };
        Arc::new(Budget {
            permits: Semaphore::new(concurrency.max(1)),
            requests: AtomicUsize::new(0),
            gaps: AtomicUsize::new(0),
            scopes: Counter::default(),
            parts: part_noun.map(|noun| (noun, Counter::default())),
            scope_noun,
            progress,
        })
    }

    /// Waits for room for one more unit of work; it ends when the permit drops.
    pub async fn permit(&self) -> SemaphorePermit<'_> {
        self.permits.acquire().await.expect("the semaphore is never closed")
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn request_sent(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    pub(crate) fn gap_found(&self) {
        self.gaps.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    pub fn add_scopes(&self, n: usize) {
        self.scopes.total.fetch_add(n, Ordering::Relaxed);
        self.refresh();
    }

    pub fn scope_done(&self) {
        self.scopes.done.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    pub fn add_parts(&self, n: usize) {
        if let Some((_, parts)) = &self.parts {
            parts.total.fetch_add(n, Ordering::Relaxed);
            self.refresh();
        }
    }

    pub fn part_done(&self) {
        if let Some((_, parts)) = &self.parts {
            parts.done.fetch_add(1, Ordering::Relaxed);
            self.refresh();
        }
    }

    pub fn finish(&self) {
        self.progress.finish_and_clear();
    }

    fn refresh(&self) {
        if self.progress.is_hidden() {
            return;
        }
        let mut line = vec![self.scopes.text(self.scope_noun)];
        line.extend(self.parts.iter().map(|(noun, parts)| parts.text(noun)));
        line.push(format!("{} calls", self.requests()));
        line.push(format!("{} gaps", self.gaps.load(Ordering::Relaxed)));
        self.progress.set_message(line.join(", "));
    }
}
