// Package deadline computes UK statutory time limits for information
// requests: FOIA 2000 and the EIR 2004 (England, Wales and Northern
// Ireland), FOISA 2002 and the EISR 2004 (Scotland).
//
// It is pure: no database, no network, no clock. Callers pass dates and
// events in and get dates out, so a deadline can always be recomputed from
// the stored events when the calendar changes.
//
// The pieces, from the bottom up:
//
//   - [Date] is a civil calendar date (no time, no zone). [ReceiptDate]
//     turns the instant a request reached an authority into its
//     Europe/London date, which is what the statutes count from.
//   - [Holidays] holds bank holidays per [Nation]: the embedded GOV.UK feed
//     ([EmbeddedHolidays]), optionally merged with a user file in the same
//     format ([ParseHolidays], [Holidays.Merge]), whose whole years (New
//     Year's Day to Christmas Day) replace the feed's and whose other days
//     are added; years that neither covers whole are filled by the standing
//     rules ([RuleHolidays]) and flagged as predicted.
//   - [Calendar] is one [Regime]'s working days, precomputed once so that
//     [Calendar.AddWorkingDays] and [Calendar.WorkingDaysBetween] cost a few
//     array reads. Build one per regime and share it: it is immutable and
//     safe for concurrent use.
//   - [Calendar.Due] counts the plain statutory period from a date of
//     receipt; [Calendar.Clock] replays a request's events (delivery,
//     clarification, fees, extension, response, internal review) into its
//     current due date and state; [Calendar.Lateness] says how late it is.
package deadline
