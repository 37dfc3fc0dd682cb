package app

import (
	"context"
	"slices"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// CalendarOverrides returns the years an admin has set (funnel.CalendarSetting),
// oldest first; the shipped schedules hold for every other year.
func (a *App) CalendarOverrides(ctx context.Context) ([]funnel.HolidayYear, error) {
	var years []funnel.HolidayYear
	if _, err := a.DB.Setting(ctx, funnel.CalendarSetting, &years); err != nil {
		return nil, err
	}
	slices.SortFunc(years, func(x, y funnel.HolidayYear) int { return x.Year - y.Year })
	return years, nil
}

// SaveCalendarYear sets one year's holidays and make-up days (admin only):
// the year replaces the shipped schedule as a whole, as funnel.Calendar.With
// does, so what holds for a year is always in one place.
func (a *App) SaveCalendarYear(ctx context.Context, actor *store.User, y funnel.HolidayYear) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	if _, err := funnel.NewCalendar(y); err != nil {
		return err
	}
	return a.tx(ctx, func(tx *store.Tx) error {
		var years []funnel.HolidayYear
		if _, err := tx.Setting(ctx, funnel.CalendarSetting, &years); err != nil {
			return err
		}
		years = slices.DeleteFunc(years, func(h funnel.HolidayYear) bool { return h.Year == y.Year })
		years = append(years, y)
		return tx.SaveSetting(ctx, funnel.CalendarSetting, years)
	})
}

// DeleteCalendarYear drops an admin's schedule for a year: the shipped one
// (or Monday to Friday) holds again.
func (a *App) DeleteCalendarYear(ctx context.Context, actor *store.User, year int) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return a.tx(ctx, func(tx *store.Tx) error {
		var years []funnel.HolidayYear
		if _, err := tx.Setting(ctx, funnel.CalendarSetting, &years); err != nil {
			return err
		}
		years = slices.DeleteFunc(years, func(h funnel.HolidayYear) bool { return h.Year == year })
		return tx.SaveSetting(ctx, funnel.CalendarSetting, years)
	})
}
