-- Locality-sensitive banding of the documents' MinHash signatures, so a
-- new document's near-duplicate candidates are found by a few indexed
-- lookups instead of reading every stored signature (issue 11).
--
-- A signature is 128 32-bit little-endian values; band b (0..15) is
-- values 8b..8b+7, and its key is the low two bytes of each of them
-- (16 bytes; hex and unhex because || makes text of blobs). Two signatures agreeing on a whole band share its key; a
-- shared key whose values differ only makes an extra candidate, which the
-- estimated Jaccard check then rejects. store/document (bands.go) computes
-- the same keys for a lookup and explains the choice of 16 bands of 8.
--
-- Triggers keep the bands in step with documents.minhash wherever a
-- document is stored or re-extracted; existing signatures are banded here.
CREATE TABLE document_bands (
    band        INTEGER NOT NULL,
    hash        BLOB NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    PRIMARY KEY (band, hash, document_id)
) WITHOUT ROWID;

CREATE INDEX document_bands_document ON document_bands (document_id);

INSERT INTO document_bands (band, hash, document_id)
    SELECT b, unhex(substr(hex(d.minhash), 64*b + 1, 4) || substr(hex(d.minhash), 64*b + 9, 4) || substr(hex(d.minhash), 64*b + 17, 4) || substr(hex(d.minhash), 64*b + 25, 4)
            || substr(hex(d.minhash), 64*b + 33, 4) || substr(hex(d.minhash), 64*b + 41, 4) || substr(hex(d.minhash), 64*b + 49, 4) || substr(hex(d.minhash), 64*b + 57, 4)),
        d.id
    FROM documents d, (SELECT value AS b FROM json_each('[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]')) WHERE length(d.minhash) = 512;

CREATE TRIGGER document_bands_insert AFTER INSERT ON documents WHEN length(new.minhash) = 512 BEGIN
    INSERT INTO document_bands (band, hash, document_id)
        SELECT b, unhex(substr(hex(new.minhash), 64*b + 1, 4) || substr(hex(new.minhash), 64*b + 9, 4) || substr(hex(new.minhash), 64*b + 17, 4) || substr(hex(new.minhash), 64*b + 25, 4)
            || substr(hex(new.minhash), 64*b + 33, 4) || substr(hex(new.minhash), 64*b + 41, 4) || substr(hex(new.minhash), 64*b + 49, 4) || substr(hex(new.minhash), 64*b + 57, 4)),
            new.id
        FROM (SELECT value AS b FROM json_each('[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]'));
END;

CREATE TRIGGER document_bands_update AFTER UPDATE OF minhash ON documents BEGIN
    DELETE FROM document_bands WHERE document_id = old.id;
    INSERT INTO document_bands (band, hash, document_id)
        SELECT b, unhex(substr(hex(new.minhash), 64*b + 1, 4) || substr(hex(new.minhash), 64*b + 9, 4) || substr(hex(new.minhash), 64*b + 17, 4) || substr(hex(new.minhash), 64*b + 25, 4)
            || substr(hex(new.minhash), 64*b + 33, 4) || substr(hex(new.minhash), 64*b + 41, 4) || substr(hex(new.minhash), 64*b + 49, 4) || substr(hex(new.minhash), 64*b + 57, 4)),
            new.id
        FROM (SELECT value AS b FROM json_each('[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]')) WHERE length(new.minhash) = 512;
END;

-- Saving an attachment counts its message's queued attachments
-- (document.MaxQueuedPerMessage): without this index that was a scan of
-- the whole review queue per document, the other cost of extraction that
-- grew with the corpus.
CREATE INDEX review_queue_message ON review_queue (message_id);
