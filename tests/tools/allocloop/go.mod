module example.com/allocloop

go 1.19
