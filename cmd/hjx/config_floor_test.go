package main

import "testing"

func TestMinCellFloorConfig(t *testing.T) {
	t.Parallel()
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "HJX_MIN_CELL_FLOOR" {
				return v
			}
			return ""
		}
	}
	t.Run("OKDefault", func(t *testing.T) {
		c, err := loadConfig(env(""))
		if err != nil || c.MinCellFloor != 8 {
			t.Fatalf("floor = %d, %v; want 8", c.MinCellFloor, err)
		}
	})
	t.Run("OKSet", func(t *testing.T) {
		c, err := loadConfig(env("11"))
		if err != nil || c.MinCellFloor != 11 {
			t.Fatalf("floor = %d, %v; want 11", c.MinCellFloor, err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		if _, err := loadConfig(env("0")); err == nil || exitCode(err) != 2 {
			t.Fatalf("err = %v, want a usage error", err)
		}
	})
}
