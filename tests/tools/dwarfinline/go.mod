module example.com/dwarfinline

go 1.19
