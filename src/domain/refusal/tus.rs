//! Refusals of the resumable upload protocol: its headers, offsets and bodies.

refusals! {
    /// A tus request that cannot be taken as it is.
    pub enum TusRefused {
        #[error("Send Upload-Length: the file's size in bytes.")]
        LengthMissing => "tus.length_missing", BadInput;
        #[error("Upload-Metadata: {key} is not base64 UTF-8.")]
        MetadataNotText { key: String } => "tus.metadata_not_text", BadInput;
        #[error("Upload-Metadata: {key} is not an id.")]
        MetadataNotId { key: String } => "tus.metadata_not_id", BadInput;
        #[error("Upload-Metadata: head is the file's first bytes in base64, at most 8 KiB.")]
        HeadMalformed => "tus.head_malformed", BadInput;
        #[error("Upload-Metadata needs filename.")]
        FilenameMissing => "tus.filename_missing", BadInput;
        #[error("Upload-Metadata needs cycle (its id).")]
        CycleMissing => "tus.cycle_missing", BadInput;
        #[error("Send the bytes as Content-Type: application/offset+octet-stream.")]
        WrongContentType => "tus.wrong_content_type", TypeNotTaken;
        #[error("Send Upload-Offset.")]
        OffsetMissing => "tus.offset_missing", BadInput;
        #[error("The upload moved on meanwhile; resume from its offset.")]
        OffsetMoved => "tus.offset_moved", StateForbids;
        #[error("Another request took this upload over; resume from its offset.")]
        TakenOver => "tus.taken_over", StateForbids;
        #[error("The empty upload ended meanwhile.")]
        EmptyUploadEnded => "tus.empty_upload_ended", StateForbids;
        #[error("More bytes arrived than Upload-Length announced.")]
        BeyondUploadLength => "tus.beyond_upload_length", BadInput;
        #[error("A file may have at most 10,000 parts.")]
        TooManyParts => "tus.too_many_parts", BadInput;
        /// Nothing arrived for this many seconds.
        #[error("Nothing arrived for {0} s; resume from offset 0.")]
        Idle(u64) => "tus.idle", BadInput;
        #[error("The request's body broke off ({0}); resume from offset 0.")]
        BodyBrokeOff(String) => "tus.body_broke_off", BadInput;
        #[error("More bytes arrived than Content-Length announced.")]
        BeyondContentLength => "tus.beyond_content_length", BadInput;
        #[error("Fewer bytes arrived than Content-Length announced; resume from offset 0.")]
        ShortOfContentLength => "tus.short_of_content_length", BadInput;
        #[error("This upload is receiving bytes right now; stop that request first.")]
        Receiving => "tus.receiving", InUse;
        #[error("Another request is sending this upload's bytes right now.")]
        Claimed => "tus.claimed", InUse;
    }
}
