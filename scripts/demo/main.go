// A small stand-in for a service, for `make demo`: it decodes and encodes
// JSON orders, keeps an index in a map, builds text reports, runs a
// recursive pricing rule in worker goroutines and forces a GC now and then.
// Deterministic and short (about a second under exact tracing).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
)

type Item struct {
	SKU      string  `json:"sku"`
	Quantity int     `json:"quantity"`
	Price    float64 `json:"price"`
}

type Order struct {
	ID       int     `json:"id"`
	Customer string  `json:"customer"`
	Items    []Item  `json:"items"`
	Notes    *string `json:"notes,omitempty"`
}

func decodeOrder(id int) *Order {
	raw := fmt.Sprintf(`{"id":%d,"customer":"customer-%d","items":[`+
		`{"sku":"A-%d","quantity":%d,"price":9.5},{"sku":"B-%d","quantity":1,"price":120}]}`,
		id, id%97, id, id%5+1, id)
	var o Order
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		panic(err)
	}
	return &o
}

func report(orders []*Order) string {
	var b strings.Builder
	for _, o := range orders {
		fmt.Fprintf(&b, "%d %s %d items\n", o.ID, o.Customer, len(o.Items))
	}
	return b.String()
}

// discount recurses once per item level; its big frame makes goroutine
// stacks grow.
//
//go:noinline
func discount(depth int, price float64) float64 {
	var table [128]float64
	for i := range table {
		table[i] = price * float64(i) / 1000
	}
	if depth == 0 {
		return table[7]
	}
	return discount(depth-1, price) + table[depth%128]
}

func main() {
	index := make(map[string]*Order)
	var keep []*Order
	for round := 0; round < 8; round++ {
		var batch []*Order
		for i := 0; i < 300; i++ {
			o := decodeOrder(round*1000 + i)
			index[o.Customer] = o
			batch = append(batch, o)
		}
		out, _ := json.Marshal(batch[:50])
		_ = report(batch)
		keep = append(keep, batch[0])
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				_ = discount(40+w, float64(len(out)))
			}(w)
		}
		wg.Wait()
		if round%3 == 2 {
			runtime.GC()
		}
	}
	fmt.Fprintf(os.Stderr, "demo: %d customers, %d orders kept\n", len(index), len(keep))
}
