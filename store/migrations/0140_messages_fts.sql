-- Full-text index over the mail itself, beside documents_fts: a reply's
-- own words (its sender, subject and readable text) are searchable, not
-- only the documents extracted from it. rowid is the message id.
--
-- Triggers keep it in step with messages wherever a message is stored,
-- reparsed or removed, so no store path can forget it; existing mail is
-- indexed here. Same tokenizer as documents_fts: case and diacritics fold.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    sender,
    subject,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO messages_fts (rowid, sender, subject, body)
    SELECT id, trim(from_name || ' ' || from_addr), subject, body_text FROM messages;

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, sender, subject, body)
        VALUES (new.id, trim(new.from_name || ' ' || new.from_addr), new.subject, new.body_text);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF from_name, from_addr, subject, body_text ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
    INSERT INTO messages_fts (rowid, sender, subject, body)
        VALUES (new.id, trim(new.from_name || ' ' || new.from_addr), new.subject, new.body_text);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
END;
