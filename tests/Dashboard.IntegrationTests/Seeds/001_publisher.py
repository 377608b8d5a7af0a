import paho.mqtt.client as mqtt
import time
import random

# Create client
client = mqtt.Client("temperature_sensor")

# Connect to broker
client.connect("localhost", 1883, 60)

# Publish messages
while True:
    temperature = random.uniform(20.0, 30.0)
    client.publish("home/living-room/temperature", f"{temperature:.1f}")
    print(f"Published: {temperature:.1f}°C")
    time.sleep(5)
