//! Group commit: one worker drains a queue of jobs into groups and commits each group in
//! one transaction. Callers submit a job and wait for its own answer, which arrives only
//! after the group's transaction committed (or failed: then every job of the group gets an
//! error and nothing of the group was applied).
//!
//! A group is the first job that arrives plus whatever queued up while the previous group
//! was being committed, up to a number of jobs and a total weight (orders, say); the worker
//! never waits for more. Ingest batches ([`crate::ingest`]) and reveal charges
//! ([`crate::settle`]) are written this way.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use crate::error::{AppError, AppResult};

/// How a worker's groups are bounded, and how its errors name it.
#[derive(Clone, Copy, Debug)]
pub struct Group {
    /// Names the queue in errors (`the ingest writer has stopped`).
    pub name: &'static str,
    /// Names a failed group in errors (`writing 3 ingest batches: …`): the verb and the
    /// plural of a job.
    pub failed: (&'static str, &'static str),
    /// Most jobs in one group.
    pub max_jobs: usize,
    /// Most total weight in one group (the group grows while its weight is below this).
    pub max_weight: usize,
}

/// What a worker commits, and how.
pub trait Committer {
    /// One caller's job.
    type Job;
    /// One job's answer.
    type Answer;
    /// The bounds and names of the groups.
    const GROUP: Group;

    /// A job's weight (orders, say).
    fn weight(job: &Self::Job) -> usize;

    /// Commit `jobs` in one transaction: one answer per job, in order, or an error for the
    /// whole group.
    fn commit(&mut self, jobs: &[&Self::Job]) -> impl Future<Output = Result<Vec<AppResult<Self::Answer>>, sqlx::Error>> + Send;
}

struct Pending<J, A> {
    job: J,
    reply: oneshot::Sender<AppResult<A>>,
}

/// The handle callers submit jobs through; cheap to clone. The worker ends when the last
/// handle is dropped.
pub struct Queue<C: Committer> {
    tx: mpsc::UnboundedSender<Pending<C::Job, C::Answer>>,
}

impl<C: Committer> Clone for Queue<C> {
    fn clone(&self) -> Self {
        Self { tx: self.tx.clone() }
    }
}

impl<C: Committer> std::fmt::Debug for Queue<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").field("name", &C::GROUP.name).finish_non_exhaustive()
    }
}

impl<C: Committer> Queue<C> {
    /// A queue and the worker future that serves it with `committer` (the caller runs it
    /// where it wants: a task, or a thread of its own).
    pub fn new(committer: C) -> (Self, impl Future<Output = ()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx }, run(committer, rx))
    }

    /// Submit `job`: returns once its group committed (or failed).
    pub async fn submit(&self, job: C::Job) -> AppResult<C::Answer> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Pending { job, reply }).map_err(|_| AppError::internal(format!("the {} has stopped", C::GROUP.name)))?;
        answer.await.map_err(|_| AppError::internal(format!("the {} dropped a job", C::GROUP.name)))?
    }
}

async fn run<C: Committer>(mut committer: C, mut rx: mpsc::UnboundedReceiver<Pending<C::Job, C::Answer>>) {
    while let Some(first) = rx.recv().await {
        let mut weight = C::weight(&first.job);
        let mut group = vec![first];
        while group.len() < C::GROUP.max_jobs && weight < C::GROUP.max_weight {
            match rx.try_recv() {
                Ok(p) => {
                    weight += C::weight(&p.job);
                    group.push(p);
                }
                Err(_) => break,
            }
        }
        let jobs: Vec<&C::Job> = group.iter().map(|p| &p.job).collect();
        let t0 = std::time::Instant::now();
        let result = committer.commit(&jobs).await;
        tracing::debug!(queue = C::GROUP.name, jobs = jobs.len(), weight, ms = t0.elapsed().as_secs_f64() * 1e3, ok = result.is_ok(), "committed a group");
        match result {
            Ok(answers) => {
                for (p, a) in group.into_iter().zip(answers) {
                    let _ = p.reply.send(a);
                }
            }
            Err(e) => {
                let (verb, jobs) = C::GROUP.failed;
                let what = format!("{verb} {} {jobs}: {e}", group.len());
                for p in group {
                    let _ = p.reply.send(Err(AppError::internal(&what)));
                }
            }
        }
    }
}
