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
    /// Most jobs waiting in the queue; a job beyond it is refused at once with
    /// `SERVER_BUSY` (503, `Retry-After`), never queued without bound.
    pub capacity: usize,
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
    tx: mpsc::Sender<Pending<C::Job, C::Answer>>,
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
        let (tx, rx) = mpsc::channel(C::GROUP.capacity.max(1));
        (Self { tx }, run(committer, rx))
    }

    /// Submit `job`: returns once its group committed (or failed). A full queue refuses it
    /// at once (`SERVER_BUSY`); nothing of it was applied.
    pub async fn submit(&self, job: C::Job) -> AppResult<C::Answer> {
        let (reply, answer) = oneshot::channel();
        self.tx.try_send(Pending { job, reply }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                tracing::warn!(queue = C::GROUP.name, "queue full: refusing a job");
                AppError::new(orderveil_api::ErrorCode::ServerBusy).with(serde_json::json!({"retry_after_secs": 1, "reason": "queue_full"}))
            }
            mpsc::error::TrySendError::Closed(_) => AppError::internal(format!("the {} has stopped", C::GROUP.name)),
        })?;
        answer.await.map_err(|_| AppError::internal(format!("the {} dropped a job", C::GROUP.name)))?
    }
}

async fn run<C: Committer>(mut committer: C, mut rx: mpsc::Receiver<Pending<C::Job, C::Answer>>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tokio::sync::Notify;

    /// Commits nothing until told to.
    struct Gate(Arc<Notify>);

    impl Committer for Gate {
        type Job = u32;
        type Answer = u32;
        const GROUP: Group = Group { name: "test queue", failed: ("testing", "jobs"), max_jobs: 1, max_weight: 1, capacity: 2 };

        fn weight(_: &u32) -> usize {
            1
        }

        async fn commit(&mut self, jobs: &[&u32]) -> Result<Vec<AppResult<u32>>, sqlx::Error> {
            self.0.notified().await;
            Ok(jobs.iter().map(|j| Ok(**j)).collect())
        }
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_takes_jobs_again_when_drained() {
        let gate = Arc::new(Notify::new());
        let (q, worker) = Queue::new(Gate(gate.clone()));
        tokio::spawn(worker);
        // One job in the worker's hands, two waiting: the queue is full.
        let mut held = Vec::new();
        for i in 0..3 {
            held.push(tokio::spawn({
                let q = q.clone();
                async move { q.submit(i).await }
            }));
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let refused = q.submit(9).await.unwrap_err();
        assert_eq!(refused.code, orderveil_api::ErrorCode::ServerBusy);
        assert_eq!(refused.details.unwrap()["retry_after_secs"], 1);
        for _ in 0..3 {
            gate.notify_one();
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let answers: Vec<u32> = futures_util::future::join_all(held).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        assert_eq!(answers, [0, 1, 2]);
        let late = tokio::spawn({
            let q = q.clone();
            async move { q.submit(7).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        gate.notify_one();
        assert_eq!(late.await.unwrap().unwrap(), 7);
    }
}
