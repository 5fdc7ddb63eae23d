//! Errors a program can end with.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The program was not started by the language host, or the engine is unreachable.
    #[error("{0}")]
    Setup(String),
    /// A stack configuration value is missing or has the wrong type.
    #[error("{0}")]
    Config(String),
    /// The engine refused or failed a resource.
    #[error("{resource}: {message}")]
    Registration {
        resource: String,
        message: String,
        /// The engine already showed this failure to the user.
        reported_by_engine: bool,
    },
    /// Talking to the engine failed.
    #[error("{0}")]
    Engine(String),
    /// An error the program raised itself.
    #[error("{0}")]
    Program(String),
    /// Already reported; just stop.
    #[error("the deployment failed; see the messages above")]
    Bail,
}

impl Error {
    pub fn reported_by_engine(&self) -> bool {
        matches!(
            self,
            Error::Registration {
                reported_by_engine: true,
                ..
            } | Error::Bail
        )
    }
}
