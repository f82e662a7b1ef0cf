"""The figures over the departments reviewed in each campaign (`progress_reviewed`,
ReviewedStock), as the timeline (fieldops/progress/timeline.py) keeps them on
write: an employer's from its departments' step functions, what they add to its
district's rows, and the campaigns they are kept for."""
from fieldops.campaigns.queries import campaign_dates
from fieldops.definitions import counts_on, is_full
from fieldops.progress.models import ReviewedStock
from fieldops.progress.steps import NEVER, S0, changed, employer_steps


def _walk(steps, days):
    """The value of a step function ([[day, *values]]) on each of `days` (sorted)."""
    out, i, current = [], 0, None
    for day in days:
        while i < len(steps) and steps[i][0] <= day:
            current = steps[i][1:]
            i += 1
        out.append(current)
    return out


def reviewed_steps(department_steps_by_id, line_days, since, steps, lives=None):
    """The employer's figures over its departments reviewed in a campaign counting
    from `since` (an ordinal): a department counts from its first counting line
    dated on or after it, until its life ends (`lives`: {id: (starts, retired)}).
    → [[day, departments, departments reviewed, insured, registered, active,
    reviewed (0/1), reviewed and at 100% (0/1)]]; the employer is at 100% by its
    figures over all its departments (`steps`)."""
    lives = lives or {}
    parts, alive = [], []
    for department_id, own in department_steps_by_id.items():
        starts, retired = lives.get(department_id, NEVER)
        alive.append([(S0, (0, 0, 0, 0)), (starts or S0, (1, 0, 0, 0))]
                     + ([(retired, (0, 0, 0, 0))] if retired is not None else []))
        first = min((day for day in line_days.get(department_id, ()) if day >= since), default=None)
        if first is not None:
            parts.append([(S0, (0, 0, 0, 0))] + [(day, (int(counts_on(day, starts, retired)), v[0], v[1], v[2]))
                                                 for day, v in own if day >= first])
    reviewed = employer_steps(parts)
    counted = employer_steps(alive)
    days = sorted({row[0] for row in reviewed} | {row[0] for row in steps} | {row[0] for row in counted})
    out = []
    for day, mine, total, (count, *_zeros) in zip(days, _walk(reviewed, days), _walk(steps, days),
                                                  _walk(counted, days)):
        seen, insured, registered, active = mine
        vector = [count, seen, insured, registered, active, 1 if seen else 0,
                  1 if seen and total is not None and is_full(total[0], total[1]) else 0]
        if not out or out[-1][1:] != vector:
            out.append([day, *vector])
    return out


def reviewed_contributions(district_id, by_campaign, sign=1):
    """{(district, day, campaign): vector} (as changes): what an employer's figures over
    its reviewed departments (its state's "reviewed") add to its district's rows."""
    reviewed = {}
    for campaign_id, steps in by_campaign.items():
        previous = (0,) * len(ReviewedStock.FIELDS)
        for day, *vector in steps:
            reviewed[(district_id, day, int(campaign_id))] = changed(previous, vector, sign)
            previous = vector
    return reviewed


def campaign_starts():
    """(id, counting-from ordinal) of every campaign: the figures over departments
    reviewed are kept for each."""
    return [(campaign.id, campaign.counts_from.toordinal()) for campaign in campaign_dates()]
