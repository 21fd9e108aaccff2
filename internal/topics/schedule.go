package topics

import (
	"context"
	"log/slog"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// RetrainEvery is how often the store's model is retrained on a schedule.
const RetrainEvery = 7 * 24 * time.Hour

// RetrainIfDue retrains the store's model when the last retraining (kept
// or not) is RetrainEvery old, or there has been none: agents' corrections
// and imported labels then reach the model every week without anyone
// running quietdesk topics retrain. A store without enough labels yet is
// left alone (and says so once per run, at debug level). It reports
// whether it retrained.
func RetrainIfDue(ctx context.Context, db *store.DB, now time.Time, log *slog.Logger) (bool, error) {
	last, err := lastRetraining(ctx, db)
	if err != nil {
		return false, err
	}
	if !last.IsZero() && now.Sub(last) < RetrainEvery {
		return false, nil
	}
	cmp, err := Retrain(ctx, db, RetrainOptions{Now: now})
	if domain.ErrorCode(err) == domain.EInvalid {
		log.Debug("topic model not retrained", "why", err.Error())
		return false, nil
	}
	if err != nil {
		return false, err
	}
	log.Info("topic model retrained", "replaced", cmp.Replaced, "current_macro_f1", cmp.Current.MacroF1, "challenger_macro_f1", cmp.Challenger.MacroF1, "reason", cmp.Reason)
	return true, nil
}
