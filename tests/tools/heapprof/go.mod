module gomemtrace/heapprof

go 1.19
