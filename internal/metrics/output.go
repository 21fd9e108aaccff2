package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"quietdesk/internal/domain"
	"strconv"
	"text/tabwriter"
)

// WriteJSON writes the result as docs/metrics.md#the-metrics-query shows it.
func (r Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteCSV writes one line per row: period, start, group (when cut),
// value, numerator, denominator (mature for cohort metrics, estimated
// returns when return-adjusted) and partial.
func (r Result) WriteCSV(w io.Writer) error {
	cw := domain.NewCSVWriter(w)
	header, rows := r.table()
	cw.Write(header)
	for _, row := range rows {
		cw.Write(row)
	}
	return cw.Flush()
}

// WriteTable writes aligned columns for a terminal.
func (r Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	header, rows := r.table()
	for _, line := range append([][]string{header}, rows...) {
		for _, cell := range line {
			fmt.Fprint(tw, cell, "\t")
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func (r Result) table() (header []string, rows [][]string) {
	header = []string{"period", "start"}
	if r.By != "" {
		header = append(header, r.By)
	}
	header = append(header, r.Metric, "numerator", "denominator")
	cohort := len(r.Rows) > 0 && r.Rows[0].Mature != nil
	if cohort {
		header = append(header, "mature")
	}
	if r.ReturnAdjusted {
		header = append(header, "estimated_returns")
	}
	lagged := r.Metric == "cpo_lag_adjusted"
	if lagged {
		header = append(header, "estimated_contacts")
	}
	weekly := r.Grain == "week"
	if weekly {
		header = append(header, "volume_surge")
	}
	header = append(header, "partial")
	// Revenue metrics say how many orders they could not cover, when any.
	unknown := false
	for _, row := range r.Rows {
		unknown = unknown || row.RevenueUnknown > 0
	}
	if unknown {
		header = append(header, "revenue_unknown_orders")
	}
	for _, row := range r.Rows {
		line := []string{row.Period, row.Start}
		if r.By != "" {
			g := ""
			if row.Group != nil {
				g = *row.Group
			}
			line = append(line, g)
		}
		v := ""
		if row.Value != nil {
			v = strconv.FormatFloat(*row.Value, 'f', -1, 64)
		} else if row.RevenueUnknown > 0 {
			v = "unknown" // no order's revenue is known: not 0
		}
		line = append(line, v, strconv.FormatFloat(row.Numerator, 'f', -1, 64), strconv.FormatFloat(row.Denominator, 'f', -1, 64))
		if cohort {
			line = append(line, strconv.FormatBool(row.Mature != nil && *row.Mature))
		}
		if r.ReturnAdjusted {
			e := "0"
			if row.EstimatedReturns != nil {
				e = strconv.FormatFloat(*row.EstimatedReturns, 'f', -1, 64)
			}
			line = append(line, e)
		}
		if lagged {
			e := "0"
			if row.EstimatedContacts != nil {
				e = strconv.FormatFloat(*row.EstimatedContacts, 'f', -1, 64)
			}
			line = append(line, e)
		}
		if weekly {
			line = append(line, strconv.FormatBool(row.VolumeSurge))
		}
		line = append(line, strconv.FormatBool(row.Partial))
		if unknown {
			line = append(line, strconv.FormatFloat(row.RevenueUnknown, 'f', -1, 64))
		}
		rows = append(rows, line)
	}
	return header, rows
}
