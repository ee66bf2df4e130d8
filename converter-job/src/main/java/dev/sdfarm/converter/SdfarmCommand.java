package dev.sdfarm.converter;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

@TopCommand
@Command(name = "sdfarm", mixinStandardHelpOptions = true, description = "sdfarm converter")
public class SdfarmCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("hello");
    }
}
