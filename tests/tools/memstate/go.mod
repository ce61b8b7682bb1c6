module gomemtrace/memstate

go 1.19
