// The server's input rules for a visit (fieldops/visits/rules.py, served as JSON),
// applied on the tablet before sending: the same patterns, limits and messages.
(function () {
  "use strict";

  function parseCount(rules, typed) {
    var raw = String(typed == null ? "" : typed).trim().slice(0, rules.typed_max).trim();
    var m = rules.count_messages;
    if (raw === "") return { value: null, problem: m.empty };
    if (new RegExp(rules.whole).test(raw)) {
      var value = parseInt(raw, 10);
      if (value < 0) return { value: null, problem: m.negative };
      if (value > rules.max_count) return { value: null, problem: m.too_big };
      return { value: value, problem: null };
    }
    if (new RegExp(rules.fraction).test(raw)) return { value: null, problem: m.fraction };
    return { value: null, problem: m.not_whole };
  }

  // typed: {insured, registered, active, newly_registered} as typed;
  // answers {field: message} for the fields in error (none: {}).
  function checkLine(rules, typed) {
    var errors = {};
    var values = {};
    rules.counts.forEach(function (name) {
      var parsed = parseCount(rules, typed[name]);
      values[name] = parsed.value;
      if (parsed.problem) errors[name] = parsed.problem;
    });
    rules.at_most.forEach(function (rule) {
      var value = values[rule[0]];
      var most = values[rule[1]];
      if (value !== null && most !== null && value > most && !errors[rule[0]]) {
        errors[rule[0]] = rule[2].replace("%(n)s", String(most));
      }
    });
    return errors;
  }

  // The agency's today as yyyy-mm-dd, from the tablet's clock.
  function today(rules) {
    return new Date(Date.now() + rules.utc_offset_minutes * 60000).toISOString().slice(0, 10);
  }

  // Does a department count on `day` (yyyy-mm-dd)? From its start (null: always) to the
  // day before its retirement (null: still counts): fieldops/definitions.py counts_on.
  function countsOn(day, startsOn, retiredOn) {
    return (!startsOn || startsOn <= day) && (!retiredOn || day < retiredOn);
  }

  function shown(iso) {
    var p = iso.split("-");
    return p[2] + "/" + p[1] + "/" + p[0];
  }

  function isoDate(raw) {
    var m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(raw) || /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(raw);
    if (!m) return null;
    var y, mo, d;
    if (m[0].indexOf("/") >= 0) { d = +m[1]; mo = +m[2]; y = +m[3]; } else { y = +m[1]; mo = +m[2]; d = +m[3]; }
    var date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || y < 1) return null;
    return date.toISOString().slice(0, 10);
  }

  // The visit date as typed (yyyy-mm-dd or dd/mm/yyyy): its problem, or null.
  function checkDate(rules, typed, todayIso) {
    var raw = String(typed == null ? "" : typed); // not trimmed: neither is the server's
    var m = rules.date_messages;
    if (raw === "") return m.missing;
    var iso = isoDate(raw);
    if (!iso) return m.format;
    if (iso > (todayIso || today(rules))) return m.future;
    if (rules.earliest_date && iso < rules.earliest_date) return m.early.replace("%(date)s", shown(rules.earliest_date));
    return null;
  }

  window.FieldOpsRules = { parseCount: parseCount, checkLine: checkLine, checkDate: checkDate, today: today,
                           isoDate: isoDate, countsOn: countsOn };
})();
