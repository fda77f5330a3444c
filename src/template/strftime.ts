/**
 * Python's `datetime.strftime` on Linux (glibc, C locale) for a local date, as transformers'
 * `strftime_now` calls it. @huggingface/jinja's own `strftime_now` knows 8 directives and writes
 * month names in the runtime's locale (`Sept` in en-GB); this one writes what Python writes.
 */
import { TemplateRenderError } from "../base/errors.js";
import { MONTHS } from "../prompt/date.js";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const pad = (n: number, width: number, padChar: string): string => (padChar === "" ? String(n) : String(n).padStart(width, padChar));

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  start.setFullYear(d.getFullYear()); // years 0..99 (Date's constructor maps them to 1900..1999)
  const a = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  const b = Date.UTC(start.getFullYear(), 0, 1);
  return Math.round((a - b) / 86_400_000) + 1;
}

/** The supported directives, in the order the docs list them. */
export const STRFTIME_DIRECTIVES = "aAbBcCdDefFhHIjmMnpRStTuwxXyYzZ%";

/**
 * Formats `date` (local time) as Python's `strftime(format)` does on Linux. Supports the directives
 * of {@link STRFTIME_DIRECTIVES} and glibc's `-` flag (no padding: `%-d`). `%z` and `%Z` are empty,
 * as for Python's naive `datetime.now()`. Any other directive throws a `TemplateRenderError`.
 */
export function strftime(date: Date, format: string): string {
  let out = "";
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== "%") {
      out += c;
      continue;
    }
    let flag: "" | "-" = "";
    let d = format[++i];
    if (d === "-") {
      flag = "-";
      d = format[++i];
    }
    if (d === undefined) throw new TemplateRenderError(`strftime_now: the format ends with a lone "%"`);
    const p = (n: number, width = 2, padChar = "0") => pad(n, width, flag === "-" ? "" : padChar);
    const h = date.getHours();
    switch (d) {
      case "a": out += DAYS[date.getDay()]!.slice(0, 3); break;
      case "A": out += DAYS[date.getDay()]; break;
      case "b": case "h": out += MONTHS[date.getMonth()]!.slice(0, 3); break;
      case "B": out += MONTHS[date.getMonth()]; break;
      case "c": out += strftime(date, "%a %b %e %H:%M:%S %Y"); break;
      case "C": out += p(Math.floor(date.getFullYear() / 100)); break;
      case "d": out += p(date.getDate()); break;
      case "D": out += strftime(date, "%m/%d/%y"); break;
      case "e": out += p(date.getDate(), 2, " "); break;
      case "f": out += p(date.getMilliseconds() * 1000, 6); break;
      case "F": out += strftime(date, "%Y-%m-%d"); break;
      case "H": out += p(h); break;
      case "I": out += p(h % 12 === 0 ? 12 : h % 12); break;
      case "j": out += p(dayOfYear(date), 3); break;
      case "m": out += p(date.getMonth() + 1); break;
      case "M": out += p(date.getMinutes()); break;
      case "n": out += "\n"; break;
      case "p": out += h < 12 ? "AM" : "PM"; break;
      case "R": out += strftime(date, "%H:%M"); break;
      case "S": out += p(date.getSeconds()); break;
      case "t": out += "\t"; break;
      case "T": out += strftime(date, "%H:%M:%S"); break;
      case "u": out += String(date.getDay() === 0 ? 7 : date.getDay()); break;
      case "w": out += String(date.getDay()); break;
      case "x": out += strftime(date, "%m/%d/%y"); break;
      case "X": out += strftime(date, "%H:%M:%S"); break;
      case "y": out += p(((date.getFullYear() % 100) + 100) % 100); break;
      case "Y": out += String(date.getFullYear()); break;
      case "z": case "Z": break;
      case "%": out += "%"; break;
      default:
        throw new TemplateRenderError(
          `strftime_now: unsupported directive %${flag}${d} (supported: ${[...STRFTIME_DIRECTIVES].map((x) => "%" + x).join(" ")}, and the - flag)`,
        );
    }
  }
  return out;
}
