module example.com/dying

go 1.19
