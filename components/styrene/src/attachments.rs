//! `styrene:core/attachments` on top of `styrene-store`'s attachment store.

use crate::Component;
use crate::exports::styrene::core::attachments::{
    AttachmentStore, Error, ErrorCode, Guest, GuestAttachmentStore, Usage,
};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use styrene_store::attachments::{self as domain, AttachmentError};

impl From<AttachmentError> for Error {
    fn from(e: AttachmentError) -> Self {
        let code = match &e {
            AttachmentError::TooLarge { .. } => ErrorCode::TooLarge,
            AttachmentError::Escapes(_) => ErrorCode::Escapes,
            AttachmentError::Io { kind, .. } => match kind {
                ErrorKind::NotFound => ErrorCode::NotFound,
                ErrorKind::IsADirectory => ErrorCode::IsADirectory,
                ErrorKind::NotADirectory => ErrorCode::NotADirectory,
                ErrorKind::AlreadyExists => ErrorCode::AlreadyExists,
                ErrorKind::PermissionDenied => ErrorCode::PermissionDenied,
                _ => ErrorCode::Io,
            },
        };
        Error { code, message: e.to_string() }
    }
}

/// A path the store returned, as WIT text (names are strings under WASI).
fn text(path: PathBuf) -> String {
    path.to_string_lossy().into_owned()
}

/// The `attachment-store` resource.
pub struct StoreResource(pub(crate) domain::AttachmentStore);

impl GuestAttachmentStore for StoreResource {
    fn open(base: String, max_file_size: u64, storage_budget: u64) -> Result<AttachmentStore, Error> {
        let store = domain::AttachmentStore::open(base, max_file_size, storage_budget)?;
        Ok(AttachmentStore::new(StoreResource(store)))
    }
    fn save(
        &self,
        peer_hash: String,
        message_id: i64,
        filename: String,
        data: Vec<u8>,
    ) -> Result<String, Error> {
        Ok(text(self.0.save(&peer_hash, message_id, &filename, &data)?))
    }
    fn rename_for_message(&self, path: String, message_id: i64) -> Result<Option<String>, Error> {
        Ok(self.0.rename_for_message(Path::new(&path), message_id)?.map(text))
    }
    fn load(&self, path: String) -> Result<Vec<u8>, Error> {
        Ok(self.0.load(Path::new(&path))?)
    }
    fn delete(&self, path: String) -> Result<bool, Error> {
        Ok(self.0.delete(Path::new(&path))?)
    }
    fn delete_for_peer(&self, peer_hash: String) -> Result<u64, Error> {
        Ok(self.0.delete_for_peer(&peer_hash)?)
    }
    fn get_usage(&self) -> Usage {
        let (used, budget) = self.0.get_usage();
        Usage { used, budget }
    }
    fn enforce_budget(&self) -> Result<u64, Error> {
        Ok(self.0.enforce_budget()?)
    }
}

impl Guest for Component {
    type AttachmentStore = StoreResource;

    fn sanitize_filename(name: String) -> String {
        domain::sanitize_filename(&name)
    }
}

/// Inside wasmtime the test runner grants the crate's directory read-only as
/// `.`: enough to check reads, the containment checks and the error codes
/// through `wasi:filesystem`. The store's behaviour is tested natively
/// (styrene-store's golden vectors).
#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<impl Sized, Error>) -> ErrorCode {
        result.err().expect("an error").code
    }

    #[test]
    fn reads_inside_the_granted_directory_only() {
        let store = StoreResource(domain::AttachmentStore::open(".", 1024, 4096).unwrap());
        assert!(store.load("src/lib.rs".into()).unwrap().starts_with(b"//! "));
        assert!(store.load("./src/../Cargo.toml".into()).unwrap().starts_with(b"[package]"));
        for outside in ["../../Cargo.toml", "/etc/passwd", "src/../../wire/Cargo.toml"] {
            let error = store.load(outside.into()).err().unwrap();
            assert_eq!(error.code, ErrorCode::Escapes, "{outside}");
            assert!(error.message.starts_with("Path escapes attachment store: "), "{}", error.message);
        }
        assert_eq!(code(store.delete("../x".into())), ErrorCode::Escapes);
        assert_eq!(code(store.load("src/missing.rs".into())), ErrorCode::NotFound);
        assert_eq!(code(store.load("src".into())), ErrorCode::IsADirectory);
        assert!(store.get_usage().used > 0);
    }

    #[test]
    fn a_refused_write_is_a_typed_error_and_leaves_nothing() {
        let store = StoreResource(domain::AttachmentStore::open(".", 8, 4096).unwrap());
        let too_large = store.save("aabbccdd11223344ff".into(), 1, "a.txt".into(), vec![0; 9]).err().unwrap();
        assert_eq!(
            (too_large.code, too_large.message.as_str()),
            (ErrorCode::TooLarge, "Attachment size 9 exceeds maximum 8")
        );
        let refused = code(store.save("aabbccdd11223344ff".into(), 1, "a.txt".into(), vec![1; 8]));
        assert!(matches!(refused, ErrorCode::PermissionDenied | ErrorCode::Io), "{refused:?}");
        assert!(std::fs::metadata("aabbccdd11223344").is_err());
        assert_eq!(<Component as Guest>::sanitize_filename("../a:b*c?.txt".into()), "a_b_c_.txt");
    }
}
